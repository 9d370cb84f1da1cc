#pragma once
// case.db: the findings of `vigil investigate` as an SQLite database, for
// queries and for following a case up: who was exposed, and where each
// subject's notification stands (drafted, reviewed, sent, acknowledged).
// docs/findings.md describes every table.
//
// The findings tables are written whole, in one transaction, into a
// temporary file that replaces `path` only when everything is in: a failed
// run leaves any earlier case.db as it was. The notification history is work
// people did, so a new run carries it over from the case.db it replaces.
// Rows go in the order Findings keeps them, so the same findings and the same
// earlier history give the same file, byte for byte, with the same SQLite.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "vigil/assess/findings.h"
#include "vigil/core/result.h"

namespace vigil::store {

// `meta.schema_version` and PRAGMA user_version. Raised when a table or
// column changes meaning or goes away, or tables are added that a reader of
// the workflow needs (2: impact and notifications).
inline constexpr int kCaseDbSchemaVersion = 2;

// The statuses of a notification, in the only order they may be reached.
inline constexpr const char* kNotificationStatuses[] = {"drafted", "reviewed", "sent",
                                                        "acknowledged"};

// What `exposure` says of a subject whose notification an earlier run made
// but whom the current findings no longer find exposed.
inline constexpr const char* kNoLongerExposed = "no_longer_exposed";

// Writes the findings to `path`. When `path` exists it must be a vigil
// case.db (schema 1 or 2; anything else is an error and the file is left
// alone); its notification history is carried into the new file. Subjects
// exposed now with no history get one `drafted` event by vigil (empty actor,
// no time); subjects with history that are no longer exposed keep it, their
// `notifications.exposure` set to kNoLongerExposed.
Result<void> write_case_db(const assess::Findings& findings, const std::filesystem::path& path);

// One step of a subject's notification, as `notification_events` keeps it.
struct NotificationEvent {
  std::string subject_id;
  uint64_t seq = 0;  // 1, 2, ... per subject
  std::string status;
  std::string actor;  // empty for the draft vigil makes
  std::string at;     // RFC 3339 as given; empty for the draft vigil makes
  std::string note;
};

// A subject's notification with its current status (its last event).
struct NotificationEntry {
  assess::NotificationStatus current;
  std::string exposure;  // exfiltrated | accessed | at_risk | kNoLongerExposed
  std::string language;
  std::string channel;
  std::string incident;  // empty when none
};

// Every notification of the case, by subject id; empty when `path` does not
// exist or has schema 1.
Result<std::vector<NotificationEntry>> list_notifications(const std::filesystem::path& path);

// The current status of every subject's notification, by subject id (what
// Findings::impact.notifications holds); empty when `path` does not exist or
// has schema 1.
Result<std::vector<assess::NotificationStatus>> read_notification_status(
    const std::filesystem::path& path);

// Records that the notifications of `subject_ids` reached `status`, in one
// transaction: all of them or none. Rejected (kInvalidArgument unless said)
// when the status is not one of kNotificationStatuses, `actor` is empty, `at`
// is not an RFC 3339 time, a subject has no notification (kNotFound), or the
// status does not move forward from the current one (skipping is allowed);
// subjects on the `safety_review` route must have been `reviewed` before
// `sent` or `acknowledged`. Returns the new statuses, in the order given
// (a subject named twice counts once).
Result<std::vector<assess::NotificationStatus>> mark_notifications(
    const std::filesystem::path& path, std::span<const std::string> subject_ids,
    std::string_view status, std::string_view actor, std::string_view at, std::string_view note);

// mark_notifications() for one subject.
Result<assess::NotificationStatus> mark_notification(const std::filesystem::path& path,
                                                     std::string_view subject_id,
                                                     std::string_view status,
                                                     std::string_view actor, std::string_view at,
                                                     std::string_view note);

// A subject's events, oldest first; kNotFound when it has no notification.
Result<std::vector<NotificationEvent>> notification_history(const std::filesystem::path& path,
                                                            std::string_view subject_id);

}  // namespace vigil::store
