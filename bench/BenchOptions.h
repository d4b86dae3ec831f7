#pragma once
// The command line of every benchmark: options, --help, and a clear word on a bad option.
#include <boost/program_options.hpp>
#include <iostream>

namespace mamori::bench {

// -1: go on. Otherwise the exit code to return at once (0 after --help, 2 after a bad option).
inline int parseCommandLine(const boost::program_options::options_description& opts, int argc, char** argv,
                            boost::program_options::variables_map& vm) {
    namespace po = boost::program_options;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n" << opts;
        return 2;
    }
    if (vm.count("help")) {
        std::cout << opts;
        return 0;
    }
    return -1;
}

}  // namespace mamori::bench
