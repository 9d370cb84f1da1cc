#pragma once
// Error logs of web servers:
// - `apache-error`: Apache httpd's error.log, 2.2 lines
//   (`[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] message`) and 2.4
//   lines (`[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 1234:tid 5678]
//   [client 1.2.3.4:5678] AH00124: message`);
// - `nginx-error`: Nginx's error.log (`2024/05/01 10:00:00 [error] 1234#5678:
//   *9 message, client: 1.2.3.4, server: x, request: "GET / HTTP/1.1"`).
// Lines without a header (what CGI scripts and programs the server started
// wrote to stderr) are kept as events of their own. Every field is listed in
// docs/formats.md, section "Apache and Nginx error logs".

#include "vigil/read/text/format.h"

namespace vigil::read {

const Format& apache_error_format();
const Format& nginx_error_format();

}  // namespace vigil::read
