// ServiceError: a request the account and key services refuse, with the HTTP status the admin
// API answers and a message the CLI prints as is. Plain exception type.
#pragma once

#include <stdexcept>
#include <string>

namespace glmgate {

struct ServiceError : std::runtime_error {
  ServiceError(int status, const std::string& message)
      : std::runtime_error(message), status(status) {}
  int status;  // 400 bad input, 404 unknown, 409 conflict
};

}  // namespace glmgate
