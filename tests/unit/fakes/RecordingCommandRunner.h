#pragma once
// Records the commands a control runs; each one "exits" at once, with the configured code and
// output or with what `answer` says for it.
#include <functional>
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
        done(answer ? answer(calls.back()) : Result{exit_code, output});
    }

    std::vector<Call> calls;
    std::function<Result(const Call&)> answer;
    int exit_code = 0;
    std::string output;
};

}  // namespace mamori::test
