#pragma once
// Field names are interned once into small integer ids, so that events carry
// ids, rules compare ids, and no string is compared on the hot path.

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vigil {

using FieldId = uint32_t;
inline constexpr FieldId kNoField = UINT32_MAX;

// Thread-safe, append-only name table. One instance is shared by the readers
// and the detector of a run (owned by whoever drives the pipeline, never a
// global), so ids are stable for that run. Names are never removed: views
// returned by name() live as long as the table.
class FieldNames {
 public:
  FieldNames();
  FieldNames(const FieldNames&) = delete;
  FieldNames& operator=(const FieldNames&) = delete;

  FieldId intern(std::string_view name);
  std::optional<FieldId> find(std::string_view name) const;
  std::string_view name(FieldId id) const;
  size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  std::deque<std::string> names_;  // deque: stable addresses for the views
  std::unordered_map<std::string_view, FieldId> ids_;
};

// Ids every FieldNames pre-assigns in this order, so hot code can use them as
// constants. Names follow the flattened EVTX System element (attributes as
// Element_Attribute), which is also what Sigma rules for Windows use.
namespace field {
enum : FieldId {
  kEventID = 0,
  kEventIDQualifiers,
  kVersion,
  kLevel,
  kTask,
  kOpcode,
  kKeywords,
  kTimeCreated,  // TimeCreated/@SystemTime
  kEventRecordID,
  kCorrelationActivityID,
  kCorrelationRelatedActivityID,
  kExecutionProcessID,
  kExecutionThreadID,
  kChannel,
  kComputer,
  kSecurityUserID,
  kProviderName,
  kProviderGuid,
  kProviderEventSourceName,
  // Not an EVTX field: the format of the log an event came from, set by the
  // text readers (docs/formats.md); EVTX events leave it out.
  kSourceFormat,
  kCount
};
}  // namespace field

}  // namespace vigil
