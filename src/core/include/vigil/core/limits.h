#pragma once
// Every resource limit vigil enforces, in one place. Evidence comes from
// compromised machines: each bound below keeps hostile input from turning into
// unbounded memory, time or recursion.

#include <cstddef>
#include <cstdint>

namespace vigil::limits {

// --- EVTX --------------------------------------------------------------------
inline constexpr uint32_t kEvtxChunkSize = 64 * 1024;
inline constexpr uint32_t kEvtxFileHeaderSize = 4096;
// Binary XML nesting (elements inside elements, nested BinXml values and
// template instances inside substitutions) deeper than this is rejected.
inline constexpr uint32_t kBinXmlMaxDepth = 64;
// Tokens one record may expand to after template substitution; a record that
// tries to exceed it is reported as damaged instead of expanding further.
inline constexpr uint32_t kBinXmlMaxNodesPerRecord = 64 * 1024;
// Substitution values in one template instance.
inline constexpr uint32_t kBinXmlMaxSubstitutions = 4096;
// Template expansions (including nested ones) per record: stops template
// reference loops and exponential nesting.
inline constexpr uint32_t kBinXmlMaxTemplateExpansions = 256;

// Compiled field plans and JSON programs are kept per distinct template for
// the whole run; past this many distinct templates (hostile or huge input)
// the caches start over, which only costs recompiling.
inline constexpr size_t kMaxCompiledTemplates = 1 << 14;

// --- Pipeline ----------------------------------------------------------------
// Work units (EVTX chunks) in flight per worker thread: bounds memory whatever
// the input size, while keeping every core busy.
inline constexpr size_t kUnitsInFlightPerThread = 8;
inline constexpr unsigned kMaxThreads = 256;

// --- Output ------------------------------------------------------------------
// Damage reports kept per input file before they are summarised as a count.
inline constexpr size_t kMaxDiagnosticsPerFile = 1000;

}  // namespace vigil::limits
