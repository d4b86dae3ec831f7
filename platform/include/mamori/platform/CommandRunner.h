#pragma once
#include <algorithm>
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mamori::platform {

// Runs helper programs (the lock command, wall, gsettings) without ever blocking the agent.
class CommandRunner {
public:
    struct Result {
        int exit_code = -1;  // 128 + signal when killed; -1 when it could not start
        std::string output;  // stdout and stderr, at most kMaxOutput bytes
        // The output's first line, at most 200 bytes: what a log line says of it.
        std::string firstLine() const { return output.substr(0, std::min<size_t>(output.find('\n'), 200)); }
    };
    using Done = std::function<void(const Result&)>;
    static constexpr size_t kMaxOutput = 64 * 1024;

    virtual ~CommandRunner() = default;
    // argv[0] is searched in PATH; env adds or replaces "NAME=value" entries of the agent's own.
    // done runs on the executor once the program has exited.
    virtual void run(std::vector<std::string> argv, std::vector<std::string> env, Done done) = 0;
};

std::unique_ptr<CommandRunner> commandRunner(boost::asio::any_io_executor executor);

}  // namespace mamori::platform
