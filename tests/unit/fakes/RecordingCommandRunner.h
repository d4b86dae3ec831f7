#pragma once
// Records the commands a control runs; each one "exits" with the configured code at once.
#include <string>
#include <vector>

#include "mamori/platform/CommandRunner.h"

namespace mamori::test {

class RecordingCommandRunner final : public mamori::platform::CommandRunner {
public:
    struct Call {
        std::vector<std::string> argv;
        std::vector<std::string> env;
    };

    void run(std::vector<std::string> argv, std::vector<std::string> env, Done done) override {
        calls.push_back({std::move(argv), std::move(env)});
        done(Result{exit_code, output});
    }

    std::vector<Call> calls;
    int exit_code = 0;
    std::string output;
};

}  // namespace mamori::test
