#pragma once
// The inventory: what an organisation holds, about whom, where it lies and who
// may read it (docs/inventory.md). The investigation asks it which assets an
// event touched (assets_at), who an account is (identity) and whether that
// account's role covers the asset (need_to_know.h); the impact assessment asks
// whose data an asset holds and how to reach them.
//
// Loading checks the whole file the way a compiler checks a source file:
// every problem is reported with its line and column, and any problem means no
// inventory. A loaded Inventory is immutable and safe to share between threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::assess {

// --- The model ----------------------------------------------------------------

// Ordered: a comparison says which is more sensitive.
enum class Sensitivity : uint8_t { kLow, kMedium, kHigh, kCritical };
enum class SubjectKind : uint8_t { kIndividual, kOrganisation, kState };
enum class ContactChannel : uint8_t { kEmail, kPost, kInPerson, kViaStateParty, kSecureMessenger };

// The spellings the inventory file uses (`critical`, `via_state_party`, ...).
const char* sensitivity_name(Sensitivity sensitivity);
const char* subject_kind_name(SubjectKind kind);
const char* contact_channel_name(ContactChannel channel);

// Where a declaration starts in the inventory file (1-based), so that reports
// can point back at it.
struct SourcePosition {
  uint32_t line = 0;
  uint32_t column = 0;
};

// Which notification rules apply: GDPR (72 hours to the supervisory
// authority), none, or an explicit deadline.
struct Regime {
  enum class Kind : uint8_t { kGdpr, kNone, kDeadline };
  Kind kind = Kind::kNone;
  // Hours to notify; 72 for GDPR, unset for none.
  std::optional<uint32_t> deadline_hours;
};

// The data protection officer; at least one of email, phone, address is set.
struct Dpo {
  std::string name;
  std::string email;
  std::string phone;
  std::string address;
};

struct Organisation {
  std::string name;
  std::optional<Dpo> dpo;  // required unless the regime is `none`
  Regime regime;
};

struct Contact {
  ContactChannel channel = ContactChannel::kEmail;
  std::string address;  // may be empty only for in_person
};

// A person, organisation or state whose data the organisation holds.
struct Subject {
  std::string id;
  std::string name;
  SubjectKind kind = SubjectKind::kIndividual;
  std::string category;  // a free word: protected_witness, victim, staff, partner_state, ...
  Contact contact;
  std::string language = "en";
  // Contacting this subject needs a safety review first (e.g. protected witnesses).
  bool safety_review = false;
  SourcePosition declared;
};

struct Asset {
  std::string id;
  std::string description;
  Sensitivity sensitivity = Sensitivity::kLow;
  std::vector<std::string> data_categories;
  std::vector<std::string> locations;  // the patterns as written
  std::vector<std::string> subjects;   // subject ids, as written (all known)
  // The name of a file that holds one subject's data, `{id}` standing for
  // the subject's id (`{id}_*`); empty when the asset's files are not told
  // apart by subject (every file then holds every subject's data).
  std::string subject_files;
  uint32_t index = 0;                  // position in Inventory::assets()
  SourcePosition declared;
};

struct Identity {
  std::string account;               // as written: COURT\m.keller, m.keller@court.local, m.keller
  std::vector<std::string> aliases;  // other spellings of the same account
  std::string role;
  // The assets this identity's role may read: `all_assets`, or the ids in
  // `assets` (as written); `covered` holds their indices, ascending.
  bool all_assets = false;
  std::vector<std::string> assets;
  std::vector<uint32_t> covered;
  SourcePosition declared;
};

// --- Locations ----------------------------------------------------------------

// What kind of text an event names as the place it touched.
enum class LocationKind : uint8_t {
  kPath,    // a file path: Windows (D:\..., \\server\share\...) or Linux (/...)
  kUrl,     // a URL or the path of one, from web and proxy logs
  kObject,  // an application object id (e.g. the audit trail's `object`)
};

// One compiled location pattern (docs/inventory.md, "Locations"). Compiled
// once; immutable, shared by copies, safe to use from many threads.
class LocationPattern {
 public:
  enum class Form : uint8_t { kWindows, kLinux, kUrl, kObject };

  // A pattern as the inventory spells it: `D:\Shares\cases\**`,
  // `\\fs01\cases\*`, `/srv/cases/**`, `url:/cases/**`, `object:case/*`.
  // Errors say what is wrong (kInvalidArgument, offset = byte in `pattern`).
  static Result<LocationPattern> compile(std::string_view pattern);

  Form form() const { return form_; }
  const std::string& text() const { return text_; }
  // The normalised pattern up to its first wildcard: every text it matches,
  // once normalised (normalise_location), starts with these bytes.
  std::string_view literal_prefix() const;

  // Normalises `text` into a fresh buffer and matches it: for tests and
  // one-off questions; Inventory::assets_at is the way for streams of events.
  bool matches(std::string_view text, LocationKind kind) const;
  // Matches a text already normalised for this pattern's form.
  bool matches_normalised(std::string_view normalised) const;

  struct Compiled;  // defined in inventory.cc

 private:
  Form form_ = Form::kObject;
  std::string text_;
  std::shared_ptr<const Compiled> compiled_;
};

// The form of pattern a text of `kind` is matched against, or nothing when no
// pattern can match it (a relative path, an empty text, a URL with no path).
// Some texts of a form still have no root a pattern names (`\\.\pipe\x`):
// normalise_location returns nothing for them.
std::optional<LocationPattern::Form> location_form(std::string_view text, LocationKind kind);

// The text as patterns of `form` see it: separators unified, `.` and `..`
// resolved, repeated separators collapsed; Windows: case folded, `\\?\` and
// `\??\` prefixes removed, UNC server names cut to their first label; URLs:
// scheme, host, query and fragment removed, percent-escapes decoded, `\` a
// separator; objects: unchanged. Returns a view of `scratch`, empty when the
// text has no root a pattern of `form` could name.
std::string_view normalise_location(std::string_view text, LocationPattern::Form form,
                                    std::string& scratch);

// The part of a normalised text that says which log can see it: the server of
// a UNC path (`//fs01`), the drive of a local Windows path (`d:`), the first
// two folders of a Linux path (`/srv/cms`), `/` for a URL path (the site's
// web server logs every path), the first segment of an object id (`/cases`).
// Shorter when the text is.
std::string location_root(std::string_view normalised, LocationPattern::Form form);

// Whose data an access to a place of an asset touched (Inventory::subjects_at).
struct SubjectsAt {
  // The place is the folder a `**` location of the asset names, not a file
  // in it: opening it lists the files, it reads nobody's data.
  bool container = false;
  std::vector<uint32_t> subjects;  // indices into Inventory::subjects(), ascending
};

// --- Accounts -----------------------------------------------------------------

// An account as logs spell it: `DOMAIN\user`, `user@domain` or `user`.
struct AccountName {
  std::string_view user;
  std::string_view domain;  // empty for a bare user name
};
// Splits an account; nothing when it is empty or not one of the three forms.
std::optional<AccountName> parse_account(std::string_view account);

// Two domains name the same one when equal without case, or when one is a
// NetBIOS name (no dot) equal to the other's first label (COURT, court.local).
// An empty domain matches any.
bool same_domain(std::string_view a, std::string_view b);

struct IdentityLookup {
  enum class Status : uint8_t {
    kKnown,      // exactly one identity answers to the account
    kUnknown,    // none does (or the text is not an account)
    kAmbiguous,  // a bare user name (or a domain) several identities answer to
  };
  Status status = Status::kUnknown;
  const Identity* identity = nullptr;  // set only when kKnown
};

// --- Loading ------------------------------------------------------------------

// One problem in an inventory file. `line` and `column` are 1-based; 0 when
// the whole file is meant (it cannot be read, it is too large).
struct InventoryProblem {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;

  // `file:line:column: error: message`, the form the CLI prints.
  std::string to_string() const;
};

class Inventory;
class InventoryBuilder;

// Either an inventory or every problem that kept it from loading (sorted by
// line, then column; at most limits' worth, the last one saying how many more).
class [[nodiscard]] InventoryResult {
 public:
  bool ok() const { return inventory_ != nullptr; }
  explicit operator bool() const { return ok(); }
  const Inventory& value() const { return *inventory_; }
  const Inventory& operator*() const { return *inventory_; }
  const Inventory* operator->() const { return inventory_.get(); }
  std::shared_ptr<const Inventory> shared() const { return inventory_; }

  const std::vector<InventoryProblem>& problems() const { return problems_; }
  // The problems as one Error (kCorrupt, or kIoError / kLimitExceeded when the
  // file could not be read), for callers that pass errors on as values.
  Error error() const;

 private:
  friend class InventoryBuilder;
  std::shared_ptr<const Inventory> inventory_;
  std::vector<InventoryProblem> problems_;
  Errc code_ = Errc::kOk;
};

class Inventory {
 public:
  // Reads and checks an inventory file (at most limits' size).
  static InventoryResult load(const std::string& path);
  // Checks inventory text; `origin` names it in problems.
  static InventoryResult parse(std::string_view text, std::string_view origin);

  const Organisation& organisation() const { return organisation_; }
  std::span<const Subject> subjects() const { return subjects_; }
  std::span<const Asset> assets() const { return assets_; }
  std::span<const Identity> identities() const { return identities_; }

  const Subject* subject(std::string_view id) const;
  const Asset* asset(std::string_view id) const;

  // The assets whose locations match `text`, in inventory order. Cheap when
  // nothing matches: the text is normalised once and walked down an index of
  // the patterns' literal prefixes; only patterns whose prefix it starts with
  // are matched in full. Thread-safe.
  std::vector<const Asset*> assets_at(std::string_view text, LocationKind kind) const;

  // The asset's location patterns, compiled once at load, in the order the
  // inventory writes them (`Asset::locations`).
  std::span<const LocationPattern> locations_of(const Asset& asset) const;

  // The subjects whose data `text` (a place of `asset`) holds: those whose
  // `subject_files` name matches its last segment, else all the asset's
  // subjects; none when the text is the asset's folder itself.
  SubjectsAt subjects_at(const Asset& asset, std::string_view text, LocationKind kind) const;

  // Who `account` is, in any of the forms of parse_account, without case.
  // Accounts not in the inventory are kUnknown: need_to_know.h does not judge them.
  IdentityLookup identity(std::string_view account) const;

  struct Index;  // defined in inventory.cc

 private:
  friend class InventoryBuilder;
  Organisation organisation_;
  std::vector<Subject> subjects_;
  std::vector<Asset> assets_;
  std::vector<Identity> identities_;
  std::shared_ptr<const Index> index_;
};

}  // namespace vigil::assess
