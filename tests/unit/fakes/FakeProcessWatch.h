#pragma once
// A process watch the test drives: it delivers the execs the test makes up and records each
// verdict. Whether an answer is late is the test's call.
#include <map>
#include <optional>

#include "FakeExecutableFile.h"
#include "mamori/platform/ProcessWatch.h"

namespace mamori::test {

class FakeProcessWatch final : public mamori::platform::ProcessWatch {
public:
    using Verdict = mamori::platform::ExecVerdict;

    std::vector<std::string> start(const Options& options, ExecHandler on_exec, ExecHandler on_deadline) override {
        options_ = options;
        on_exec_ = std::move(on_exec);
        on_deadline_ = std::move(on_deadline);
        started = true;
        return {};
    }
    void stop() override { started = false; }
    bool answer(uint64_t id, Verdict verdict) override {
        if (answers.count(id) || late.count(id)) return false;
        answers[id] = verdict;
        return true;
    }
    void trust(const mamori::platform::FileIdentity& file) override { trusted.push_back(file); }
    void forgetTrusted() override { trusted.clear(); }
    std::string describeProcess(uint32_t pid) const override { return "/usr/bin/bash (" + std::to_string(pid) + ")"; }

    // Delivers one exec as the kernel would: held when the watch holds.
    mamori::platform::ExecEvent exec(std::shared_ptr<const mamori::platform::ExecutableFile> file, uint32_t uid = 1000) {
        mamori::platform::ExecEvent ev{next_id_++, options_.hold, 4242, 4000, uid, std::move(file)};
        on_exec_(ev);
        return ev;
    }
    // The deadline passes for a held exec before anyone answered it.
    void expire(const mamori::platform::ExecEvent& ev) {
        late.insert({ev.id, true});
        on_deadline_(ev);
    }
    std::optional<Verdict> verdict(uint64_t id) const {
        auto it = answers.find(id);
        return it == answers.end() ? std::nullopt : std::optional<Verdict>(it->second);
    }
    const Options& options() const { return options_; }

    bool started = false;
    std::map<uint64_t, Verdict> answers;
    std::map<uint64_t, bool> late;
    std::vector<mamori::platform::FileIdentity> trusted;

private:
    Options options_;
    ExecHandler on_exec_, on_deadline_;
    uint64_t next_id_ = 1;
};

}  // namespace mamori::test
