#pragma once
// What tests of administration share: mamorictl as another account, dates relative to today,
// a terminal's line of `policy status`, and the policy an agent last accepted, read from its state
// directory as the collector signed it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "Subprocess.h"
#include "TestCollector.h"
#include "mamori/v1/api.pb.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::test {

// A UTC date `days` from now: far enough from the edges that the municipality's date agrees.
inline std::string dateIn(int days) {
    const time_t t = time(nullptr) + days * 86400;
    char buf[16];
    strftime(buf, sizeof buf, "%Y-%m-%d", gmtime(&t));
    return buf;
}

// mamorictl as another user (conf from TestCollector::addUser); returns stdout+stderr, asserts the exit code.
inline std::string as(const std::filesystem::path& conf, std::vector<std::string> args, int expect = 0) {
    args.insert(args.begin(), {bin("mamorictl"), "--config", conf.string(), "--lang", "en"});
    std::string out;
    EXPECT_EQ(Subprocess::run(args, &out), expect) << out;
    return out;
}

// The policy the agent last accepted, as the collector signed it for it.
inline mamori::v1::Policy appliedPolicy(const std::filesystem::path& agent_dir) {
    std::ifstream in(agent_dir / "state" / "policy.signed", std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    mamori::v1::SignedPolicy signed_policy;
    mamori::v1::PolicyEnvelope envelope;
    EXPECT_TRUE(signed_policy.ParseFromString(bytes) && envelope.ParseFromString(signed_policy.envelope()));
    return envelope.policy();
}

// The terminal's row of `mamorictl policy status`: applied, latest and behind.
inline boost::json::object policyStatusOf(const TestCollector& collector, const std::string& terminal) {
    const std::string out = collector.ctl({"policy", "status", "--format", "json"});
    const boost::json::value parsed = boost::json::parse(out);  // named: the loop borrows from it
    for (const auto& r : parsed.at("rows").as_array())
        if (r.at("terminal").as_string() == terminal) return r.as_object();
    ADD_FAILURE() << terminal << " missing from " << out;
    return {};
}

// Runs the agent until the collector has seen it apply `version`.
inline void syncTo(const TestCollector& collector, TestAgent& agent, const std::string& terminal, uint64_t version) {
    agent.start();
    EXPECT_TRUE(waitFor([&] {
        return policyStatusOf(collector, terminal).at("applied_version").to_number<uint64_t>() == version;
    })) << agent.logText();
    agent.stop(SIGTERM);
}

}  // namespace mamori::test
