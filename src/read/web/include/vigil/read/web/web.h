#pragma once
// Access logs of web servers and proxies:
// - `web`: Apache and Nginx access logs (common and combined, with or without
//   the `%v:%p` virtual host prefix, or a user LogFormat string given as
//   ReadOptions::web_format), fields named as Sigma's webserver category
//   expects (W3C names: c-ip, cs-method, cs-uri-stem, sc-status, ...);
// - `squid`: Squid's native access.log, fields named as Sigma's proxy
//   category expects (c-uri, cs-host, src_ip, dst_ip, ...).
// Every field is listed in docs/formats.md.

#include "vigil/read/text/format.h"

namespace vigil::read {

const Format& web_format();
const Format& squid_format();

}  // namespace vigil::read
