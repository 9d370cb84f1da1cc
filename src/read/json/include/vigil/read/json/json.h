#pragma once
// JSON logs: JSON lines (one value per line) and whole documents (an array of
// objects, CloudTrail's {"Records":[...]}, pretty-printed objects one after
// another). Each object becomes one event, recognised by its shape:
//
// - Windows events as `vigil dump` / evtx_dump write them
//   ({"Event":{"System":...,"EventData":...}}): the same field names and text
//   as the EVTX reader gives, `_source_format` evtx;
// - Windows events as Winlogbeat / Elastic export them (ECS, `winlog.*`):
//   System and EventData names as EVTX has them, `_source_format` evtx;
// - anything else: nested objects flattened to dotted names, `_source_format`
//   json.
//
// `audit_trail_format` reads vigil's application audit trail (JSON lines, one
// object per access, `_source_format` audit-trail). docs/formats.md ("JSON and
// JSON lines", "vigil's application audit trail") lists the fields.

#include "vigil/read/text/format.h"

namespace vigil::read {

const Format& json_format();
const Format& audit_trail_format();

}  // namespace vigil::read
