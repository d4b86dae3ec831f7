#pragma once
// The command line of every benchmark: options, --help, and a clear word on a bad option; its
// work directory and open-file limit.
#include <sys/resource.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <string>

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

// The work directory: the --dir given, or a new one named after the benchmark and this process
// in $TMPDIR. Created here.
inline std::filesystem::path workDirectory(const std::string& dir_arg, const std::string& name) {
    const auto work = dir_arg.empty()
                          ? std::filesystem::temp_directory_path() / ("mamori-" + name + "-" + std::to_string(getpid()))
                          : std::filesystem::path(dir_arg);
    std::filesystem::create_directories(work);
    return work;
}

// Raises this process's open-file limit to its hard limit: many concurrent connections, each a
// descriptor here and in the collector started from here (which inherits the limit).
inline void raiseOpenFileLimit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

}  // namespace mamori::bench
