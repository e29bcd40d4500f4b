// glmgate entry point: hands the command line to the CLI, which wires everything else.
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  return glmgate::cli::run(argc, argv);
}
