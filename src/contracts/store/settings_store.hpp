// SettingsStore: named values shared by the CLI, the admin API and every server instance of a
// store ("paused": "1" or "0").
//
// Threading: every call blocks and is safe from any thread and from several processes.
// Ordering: each set takes a change position, so servers hear it through the change feed
// (contracts/store/change_feed.hpp), once, after it committed. Setting a value it already has is
// a change too.
// Errors: contracts/store/store_error.hpp.
#pragma once

#include <optional>
#include <string>

namespace glmgate {

namespace setting_name {
inline constexpr const char* kPaused = "paused";  // "1": the public API answers 503
}  // namespace setting_name

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;

  virtual void set_setting(const std::string& name, const std::string& value) = 0;
  virtual std::optional<std::string> setting(const std::string& name) = 0;
};

}  // namespace glmgate
