#!/usr/bin/env bash
# Runs the tests of a gtest binary that a filter selects, and fails when it selects none: gtest
# passes a filter that matches nothing (this gtest has no --gtest_fail_if_no_test_selected), and a
# suite that silently ran nothing must not pass.
#   tests/lib/gtest_selected.sh <binary> <filter>
set -euo pipefail
binary=$1
filter=$2
selected=$("$binary" --gtest_filter="$filter" --gtest_list_tests | grep -c '^  ' || true)
if [ "$selected" -eq 0 ]; then
  echo "gtest_selected: no test matches $filter" >&2
  exit 1
fi
echo "gtest_selected: $selected tests match $filter"
exec "$binary" --gtest_filter="$filter" --gtest_brief=1
