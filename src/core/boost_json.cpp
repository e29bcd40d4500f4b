// Boost.JSON's implementation, compiled here in header-only mode rather than linked from
// Debian's shared library: built with this project's flags (-O3 in Release) and without a call
// through the PLT per value, it parses and serializes the request path's small documents faster
// (see docs/BENCHMARKS.md). No state; thread-safe as Boost.JSON is.
#include <boost/json/src.hpp>
