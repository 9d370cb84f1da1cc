// Matching allocates nothing once the matcher has seen an event of the same
// shape: its scratch is reused. Counted with a replaced global operator new
// (this binary's only one; it counts and forwards to malloc). Not under
// AddressSanitizer, whose own operator new must pair with its delete.

#include <atomic>
#include <cstdlib>
#include <new>

#include "sigma_fixture.h"

#if defined(__SANITIZE_ADDRESS__)
#define VIGIL_COUNT_ALLOCATIONS 0
#else
#define VIGIL_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

#if VIGIL_COUNT_ALLOCATIONS
// Not inlined: GCC would otherwise see malloc'd memory reach free through
// std::allocator and report a new/free mismatch that is not there.
[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace vigil::detect {
namespace {

using testing::rule_yaml;
using testing::SigmaFixture;

TEST(SigmaAllocation, SteadyStateMatchingDoesNotAllocate) {
  if (!VIGIL_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocations are not counted under ASan";
  SigmaFixture f;
  f.compile_ok(rule_yaml(
      "    selection:\n"
      "        CommandLine|contains|all: ['WHOAMI', '/all']\n"
      "        CommandLine|re: 'Who.mI'\n"
      "        Image|endswith: '\\\\cmd.exe'\n"
      "        User|fieldref|neq: TargetUser\n"
      "        Size|gt: 10\n"
      "        Ip|cidr: '10.0.0.0/8'\n"
      "        SourceName: 'x'\n"
      "    keywords:\n        - 'needle'\n"
      "    condition: selection and keywords\n"));
  Event& event = f.event({{"Image", "C:\\Windows\\CMD.exe"},
                          {"User", "Alice"},
                          {"TargetUser", "Bob"},
                          {"Size", "100"},
                          {"Ip", "10.1.2.3"},
                          {"Source Name", "X"},
                          {"Data", "a needle"},
                          {"Data", "two"}});
  f.add_raw("CommandLine", ValueType::kUtf16, testing::utf16le("cmd /c WhoAmI /all"));
  ASSERT_TRUE(f.matches_current());  // warms up every buffer
  const uint64_t before = g_allocations.load();
  bool all_matched = true;
  for (int i = 0; i < 100; ++i) all_matched = f.hits_current() == 1 && all_matched;
  const uint64_t after = g_allocations.load();
  EXPECT_TRUE(all_matched);
  EXPECT_EQ(after - before, 0u);
  (void)event;
}

}  // namespace
}  // namespace vigil::detect
