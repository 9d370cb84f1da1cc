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

// --- Sigma rules ---------------------------------------------------------------
// Rules are input too (downloaded packs, user folders): each bound turns a
// hostile or broken rule into a diagnostic for that rule, never a crash or hang.
// A rule file larger than this is not read at all.
inline constexpr uint64_t kSigmaMaxFileBytes = 16 * 1024 * 1024;
// YAML documents in one file (multi-document files hold a rule and its correlations).
inline constexpr size_t kSigmaMaxDocumentsPerFile = 4096;
// Nesting of YAML collections in one document; rules need about 5.
inline constexpr uint32_t kSigmaMaxYamlDepth = 64;
// YAML nodes visited per document: stops alias bombs (anchors referenced
// exponentially often) before they are expanded.
inline constexpr size_t kSigmaMaxYamlNodes = 200'000;
// Bytes of one detection value or condition; SigmaHQ's longest value is under 200.
inline constexpr size_t kSigmaMaxValueBytes = 64 * 1024;
// Nesting of parentheses and operators in a condition.
inline constexpr uint32_t kSigmaMaxConditionDepth = 64;
// Alternatives one value may expand to (windash permutations, base64offset
// shifts, placeholder values, multiplied together).
inline constexpr size_t kSigmaMaxAlternatives = 4096;
// What one rule's values may become once modifiers (base64offset, utf16,
// windash), aliases and placeholders are applied: values, and their bytes.
// SigmaHQ's largest rule (vulnerable drivers' hashes) comes to 4,432 values
// and 232 KB; past these the rule is rejected.
inline constexpr size_t kSigmaMaxRuleValues = 16'384;
inline constexpr size_t kSigmaMaxRuleValueBytes = 1024 * 1024;
// Operands one evaluation of a rule's condition may visit (an operand that
// several parts share counts each time): bounds the graph `x of` patterns
// can build and each event's evaluation. The compiled-rule cache's decoder
// applies the same bound to what it reads.
inline constexpr uint64_t kSigmaMaxConditionVisits = uint64_t{1} << 20;
// Literals in one Vectorscan database (a field's scan in one gate, a keyword
// union): its compilation time grows faster than their number (20,000
// keywords took 3.8 s, 40,000 took 12.8 s). SigmaHQ's largest holds 9,302.
// Past it, the prefilter is not built and every rule runs on every event
// of its source: slower, never wrong.
inline constexpr size_t kSigmaMaxDatabaseLiterals = 32'768;
// Correlations in one chain (a correlation taking a correlation taking ...);
// Sigma's examples chain two. Deeper ones are rejected.
inline constexpr size_t kSigmaMaxCorrelationChain = 64;
// Memory RE2 may use for one regular expression (its programs and DFA cache,
// which it flushes when full): bounds the regexes' memory by their count.
// Programs that do not fit are rejected with a diagnostic.
inline constexpr int64_t kSigmaMaxRegexMemory = 1024 * 1024;
// A regex gets a Vectorscan pre-check (which rules most texts out faster than
// RE2 runs) once one matcher has evaluated it this often: building one costs
// about as much as a thousand RE2 runs, and most regexes run rarely.
inline constexpr uint32_t kSigmaRegexPrecheckAfterUses = 1024;
// Vectorscan's compilation time grows with a pattern's counted repetitions
// (three to six `[^"]{0,64}` took 120 to 160 ms, two `{0,1000}` a second), so a pre-check
// is only built for patterns this short, with at most this many counted
// repetitions, none bounded above this; and for this many regexes per rule
// set. Others keep RE2 alone: slower, never wrong.
inline constexpr size_t kSigmaRegexPrecheckMaxPattern = 256;
inline constexpr size_t kSigmaRegexPrecheckMaxRepeats = 4;
inline constexpr uint32_t kSigmaRegexPrecheckMaxBound = 64;
inline constexpr size_t kSigmaRegexPrechecksPerRuleSet = 32;
// Regexes no literal anchors are scanned for in their field, in Vectorscan's
// prefilter mode, when the rule set is compiled (same pattern bounds as the
// pre-check): at most this many per rule set (SigmaHQ has 46), so that a
// hostile rule file cannot make compilation take minutes. The others run
// with RE2 on every event of their source, as before.
inline constexpr size_t kSigmaRegexPrefiltersPerRuleSet = 64;
// A matcher remembers which literals the field values it scanned last held
// (values repeat: paths, users, parents): per field a gate scans, this many
// values, each of at most kSigmaScanMemoMaxValueBytes (longer ones are
// scanned every time).
inline constexpr size_t kSigmaScanMemoSlots = 256;
inline constexpr size_t kSigmaScanMemoMaxValueBytes = 512;

// --- Correlation ---------------------------------------------------------------
// Correlation windows (up to days long) can hold a large part of a hunt's
// matches. Past one of these bounds the least recently updated group is
// closed early (its windows are evaluated as they stand) and counted in
// CorrelationStats::groups_evicted; the group being updated is never chosen.
// Live groups (distinct group-by values) over all correlations.
inline constexpr size_t kCorrelationMaxGroups = 1 << 16;
// Events held in windows over all correlations (about 48 bytes each).
inline constexpr size_t kCorrelationMaxEntries = 1 << 20;
// Events in one group's window: a fuller window is evaluated early
// (CorrelationStats::windows_cut), so thresholds above this cannot be reached.
inline constexpr size_t kCorrelationMaxWindowEntries = 1 << 16;
// Bytes of group values, distinct values, the detection copies alerts carry
// and chained inputs waiting in queues.
inline constexpr size_t kCorrelationMaxHeldBytes = size_t{128} << 20;
// Detections one alert carries (the earliest; the alert counts all of them).
inline constexpr size_t kCorrelationAlertEvents = 32;
// Inputs of a chained correlation waiting for its inner correlations' windows
// to close; past it the oldest is taken at once (CorrelationStats::queue_forced).
inline constexpr size_t kCorrelationMaxQueued = 1 << 16;

// --- Compiled rule-set cache (src/detect/cache.cc) ---------------------------------
// A cache file is untrusted input; a larger one is not read. All of SigmaHQ
// takes 18 MB; decoding may take about 10 times the file's size in memory.
inline constexpr uint64_t kRuleCacheMaxFileBytes = 128 * 1024 * 1024;
// Cache files kept in the cache folder, and their total size: past either,
// the least recently used are removed after a store.
inline constexpr size_t kRuleCacheMaxFiles = 16;
inline constexpr uint64_t kRuleCacheMaxTotalBytes = 512 * 1024 * 1024;

// --- Pipeline ----------------------------------------------------------------
// Work units in flight per worker thread: bounds memory whatever the input
// size, while keeping every core busy.
inline constexpr size_t kUnitsInFlightPerThread = 4;
// EVTX chunks per work unit at most: handing out one chunk at a time costs a
// lock and a wake-up per 64 KiB, which shows at two threads and more.
inline constexpr uint32_t kEvtxChunksPerUnit = 16;
inline constexpr unsigned kMaxThreads = 256;

// --- Text logs (src/read/text and the readers beside it) ---------------------
// A text input is cut into blocks of about this size at line ends; blocks are
// the work units parsed in parallel.
inline constexpr size_t kTextBlockBytes = 4 * 1024 * 1024;
// Bytes of a file's start given to the formats for recognising it.
inline constexpr size_t kTextHeadBytes = 64 * 1024;
// A line longer than this is rejected (reported with its line number and
// skipped) instead of held: hostile logs contain 100 MB lines.
inline constexpr size_t kTextMaxLineBytes = 1024 * 1024;
// Fields one text event may carry (generic JSON, CSV); the rest are dropped
// and the line is reported.
inline constexpr size_t kTextMaxFieldsPerEvent = 4096;
// Nesting depth of JSON objects and arrays a reader follows.
inline constexpr uint32_t kJsonMaxDepth = 64;
// A JSON document written over several lines (a pretty-printed object, an
// array of events, a CloudTrail file) cannot be cut into blocks, so it is
// held whole in memory while it is read: past this size it is rejected.
// Its events are parsed one at a time, each at most kTextMaxLineBytes.
inline constexpr uint64_t kJsonMaxDocumentBytes = 64 * 1024 * 1024;
// Longest field name (a key path such as `a.b.c`) a JSON reader adds to the
// name table; a field with a longer new name is dropped and reported.
inline constexpr size_t kJsonMaxFieldNameBytes = 1024;
// Distinct field names the readers of logs that name their own fields
// (generic JSON key paths, syslog structured data, Nginx keys) take from one
// block (about kTextBlockBytes of input); fields with further names in the
// block are dropped and their lines reported. Counted per block, so what is
// dropped depends on the input only, never on which thread read which block;
// the name table grows by at most this much per block.
inline constexpr size_t kJsonMaxFieldNamesPerBlock = 8192;
// Compressed input (gzip, zstd) and standard input are first written
// decompressed to a temporary file, so that they can be cut into blocks like
// any file; this bounds that file (a decompression bomb stops here).
inline constexpr uint64_t kTextMaxSpoolBytes = uint64_t{64} << 30;
// auditd writes the records of one event (same audit(time:serial)) next to
// each other, but records of other events can come in between. The reader
// keeps at most this many events open at once; when one more starts, the
// oldest is taken as complete.
inline constexpr size_t kAuditdMaxOpenEvents = 16;
// After this many bytes of records with no place where every open event
// looks finished, a block may end before any record that starts another
// event; after twice as many, before any line (one serial repeated without
// end is hostile). Bounds a block, and so the reader's memory, however the
// records interleave.
inline constexpr size_t kAuditdForcedBoundaryBytes = 1024 * 1024;

// --- Hunt and timeline output (src/report) -------------------------------------
// Output is sorted by time over the whole run, so every detection (or, for a
// timeline, every event) is kept until the end. Past this many bytes of
// encoded records in memory, the records are sorted and written to a
// temporary file (a run) and the runs are merged at the end: memory stays
// bounded whatever the input, the disk holds the rest. 32 MiB rather than
// more: the sort's batches are reused once written out, and fewer of them
// stay closer to the caches (all rules on the 1 GiB bench set, one thread:
// 4% less user time than with 128 MiB, half the peak RSS).
inline constexpr size_t kReportSortMemoryBytes = 32 * 1024 * 1024;
// Runs merged at once; more runs are first merged in groups of this many
// (each open run costs a file descriptor and a read buffer of about two
// blocks): one pass up to 4 GiB of records at the budget above.
inline constexpr size_t kReportMergeFanIn = 128;
// Records per zstd block of a run file (unpacked bytes); a run being
// written or merged holds about two blocks in memory.
inline constexpr size_t kReportRunBufferBytes = 256 * 1024;
// Distinct hosts (Computer values) the end-of-run summary counts one by one;
// hostile logs can name millions, the rest are counted together.
inline constexpr size_t kReportMaxSummaryHosts = 64 * 1024;

// --- Output ------------------------------------------------------------------
// Damage reports kept per input file before they are summarised as a count.
inline constexpr size_t kMaxDiagnosticsPerFile = 1000;

// Investigation: the pieces of evidence kept per need-to-know finding (the
// earliest ones; the count covers them all).
inline constexpr size_t kEvidencePerFinding = 20;

// Impact assessment (src/assess/impact.cc, docs/impact.md): every access to
// an inventoried asset is kept until the incidents say whose it was. An
// access is about 200 bytes; a worker holds up to twice the limit before it
// keeps its earliest (so that the result does not depend on which worker saw
// what): 250,000 is 100 MB per worker at most. Past it, the latest are
// dropped and the findings say so (never "not exposed").
inline constexpr size_t kImpactMaxAccesses = 250'000;
// Transfers out that may carry staged data: at least 1 MiB in one
// connection (a proxy tunnel or upload, a Zeek conn), the earliest 100,000.
inline constexpr uint64_t kImpactMinTransferBytes = 1024 * 1024;
inline constexpr size_t kImpactMaxTransfers = 100'000;
// Notification templates (src/report/notifications.cc): what an
// organisation's template folder may hold. kainjow renders nested sections
// by recursion: the depth bounds its stack.
inline constexpr uint64_t kMaxTemplateBytes = 1024 * 1024;
inline constexpr size_t kMaxTemplateLanguages = 64;
inline constexpr size_t kMaxSectionDepth = 32;
// Template text walked and value bytes written to render one notification:
// a section walks its body again for every item of its list, so sections
// nested over lists multiply (a few lines can ask for years of work).
inline constexpr uint64_t kMaxTemplateRenderBytes = 16 * 1024 * 1024;
// The measures text given to `--measures` (a few paragraphs for a letter).
inline constexpr size_t kMeasuresMaxBytes = 64 * 1024;
// Pieces of evidence kept per exposed subject and per asset reached.
inline constexpr size_t kEvidencePerSubject = 20;

// The inventory file (src/assess, docs/inventory.md).
// An inventory describes an organisation, not its data: 16 MiB holds about
// 100,000 subjects. A larger file is not read.
inline constexpr uint64_t kInventoryMaxFileBytes = 16 * 1024 * 1024;
// Nesting of YAML collections; the format needs 4. Checked on the text before
// yaml-cpp (which recurses once per level) sees it, then on the tree.
inline constexpr uint32_t kInventoryMaxYamlDepth = 32;
// YAML nodes visited, aliases counted each time they are reached: an alias
// bomb stops here instead of being expanded.
inline constexpr size_t kInventoryMaxYamlNodes = 2'000'000;
// Bytes of one scalar (a name, an address, a pattern).
inline constexpr size_t kInventoryMaxValueBytes = 64 * 1024;
// Bytes of one location pattern.
inline constexpr size_t kInventoryMaxPatternBytes = 4096;
// Problems reported; a broken file generated by a script can hold millions,
// and the first thousand say what is wrong.
inline constexpr size_t kInventoryMaxProblems = 1000;

// report.html: the chart fills the days between the first and the last attempt so that
// gaps show as gaps, unless the dates are this far apart (then only days
// with attempts get a place). Keeps a hostile date from producing a page
// with a bar group for every day since 1601.
inline constexpr int64_t kReportMaxFilledChartDays = 366;

}  // namespace vigil::limits
