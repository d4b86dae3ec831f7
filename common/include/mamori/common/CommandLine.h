#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace mamori::common {

// The command line of a mamori program as a tree of commands (CLI11): each command has its own
// options, its own --help with a one-line description, examples and the exit codes, and a missing
// argument is named in English and Japanese. The exit code means the same everywhere:
// 0 success, 1 failure (including a UserError, printed in both languages), 2 usage error,
// 3 busy (a UserError of kind Busy: another process holds what the command needs; a service
// manager can tell it from a failure, and a script can wait and retry).
class CommandLine {
public:
    static constexpr int kSuccess = 0, kFailure = 1, kUsage = 2, kBusy = 3;
    using Action = std::function<int()>;

    CommandLine(std::string program, std::string description);
    CommandLine(const CommandLine&) = delete;
    CommandLine& operator=(const CommandLine&) = delete;

    CLI::App& app() { return *app_; }
    const std::string& program() const { return program_; }

    // A command that does something; `examples` are lines of its help's footer, above the exit codes.
    CLI::App* command(CLI::App& parent, const std::string& name, const std::string& description,
                      const std::string& examples, Action action);
    // A word that only groups commands (`policy`, `token`): it needs one of them.
    CLI::App* group(CLI::App& parent, const std::string& name, const std::string& description);
    // Marks an option or positional argument required; when it is missing, the error names it:
    // "policy check: missing the profile file (FILE) / プロファイルのファイルが指定されていません".
    CLI::Option* required(CLI::Option* option, const std::string& english, const std::string& japanese);

    // Parses argv and runs the chosen command. Never throws: every error becomes a message on
    // stderr and its exit code.
    int run(int argc, char** argv);

    // What every command's help ends with.
    static const char* const kExitCodes;
    // The line a command that can be busy adds to its help, after kExitCodes.
    static const char* const kBusyExitCode;

private:
    struct Missing {
        std::string english, japanese;
    };
    int usageError(const CLI::App& at, const std::string& message) const;
    std::string pathOf(const CLI::App& app) const;
    // The help of a command, its usage line spelled from the program's name.
    std::string helpOf(const CLI::App& app) const;

    std::string program_;
    std::unique_ptr<CLI::App> app_;
    std::map<const CLI::App*, Action> actions_;
    std::map<const CLI::Option*, Missing> missing_;
};

}  // namespace mamori::common
