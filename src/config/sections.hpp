// The sections of the configuration file, each read by its own function from the file's
// top-level table into its struct (config.hpp), and the catalog: [[providers]] and [[models]].
// Every error is a ConfigError naming the file and the key. Start-up only; internal to config/.
#pragma once

#include <toml++/toml.h>
#include <string_view>
#include <vector>

#include "config/table_reader.hpp"

namespace glmgate {

// Every top-level key the sections and the catalog read, for TableReader::only().
std::vector<std::string_view> config_keys();

void parse_server(const toml::table& root, const TableReader& r, ServerSection& out);
void parse_generation(const TableReader& r, GenerationSection& out);
void parse_limits(const toml::table& root, const TableReader& r, LimitsSection& out);
void parse_store(const TableReader& r, StoreSection& out);
void parse_redis(const TableReader& r, RedisSection& out);
void parse_outputs(const TableReader& r, OutputsSection& out);
void parse_tasks(const TableReader& r, TasksSection& out);
void parse_routing(const TableReader& r, RoutingSection& out);
void parse_console(const TableReader& r, ConsoleSection& out);

// [[providers]] and [[models]], when the file has them (they replace the built-in ones).
void parse_catalog(const toml::table& root, const TableReader& r, Config& out);
// What no one section can check: names unique, every model's provider configured.
void validate_catalog(const Config& c);

}  // namespace glmgate
