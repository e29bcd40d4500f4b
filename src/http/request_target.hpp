// Request targets and IDs as the server reads them: the decoded path and the raw query of a
// target (origin-form or absolute-form), and whether a client's x-request-id may be kept. Pure
// functions over strings; internal to http/.
#pragma once

#include <string>
#include <string_view>

namespace glmgate {

// The decoded path and the raw query of a request target; false when it is malformed or neither
// origin-form nor absolute-form (`OPTIONS *` included, as nginx does). `origin_form` gets the
// origin-form equivalent of an absolute-form target (RFC 9112 3.2.2: "http://host/path?query",
// as sent to a proxy; servers must accept it), for handlers that read the target.
bool split_target(const std::string& target, std::string& path, std::string& query,
                  std::string& origin_form);

// A client's x-request-id is echoed when it is 1 to 128 visible ASCII characters.
bool valid_request_id(std::string_view id);

}  // namespace glmgate
