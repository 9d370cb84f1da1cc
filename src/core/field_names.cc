#include "vigil/core/field_names.h"

#include <array>

namespace vigil {

namespace {
constexpr std::array<std::string_view, field::kCount> kPredefined = {
    "EventID",
    "EventID_Qualifiers",
    "Version",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "TimeCreated",
    "EventRecordID",
    "Correlation_ActivityID",
    "Correlation_RelatedActivityID",
    "Execution_ProcessID",
    "Execution_ThreadID",
    "Channel",
    "Computer",
    "Security_UserID",
    "Provider_Name",
    "Provider_Guid",
    "Provider_EventSourceName",
    "_source_format",
};
}  // namespace

FieldNames::FieldNames() {
  for (std::string_view name : kPredefined) intern(name);
}

FieldId FieldNames::intern(std::string_view name) {
  {
    std::shared_lock lock(mutex_);
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
  }
  std::unique_lock lock(mutex_);
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  const auto id = static_cast<FieldId>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(std::string_view(names_.back()), id);
  return id;
}

std::optional<FieldId> FieldNames::find(std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto it = ids_.find(name);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string_view FieldNames::name(FieldId id) const {
  std::shared_lock lock(mutex_);
  if (id >= names_.size()) return {};
  return names_[id];
}

size_t FieldNames::size() const {
  std::shared_lock lock(mutex_);
  return names_.size();
}

}  // namespace vigil
