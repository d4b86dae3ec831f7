#pragma once
// A test suite run once per store: a real collector process on a SQLite file, then on a fresh
// database of the tests' PostgreSQL server. The answers must not depend on where they are kept.
//   class MySuite : public CollectorOnEachStore { ... };
//   INSTANTIATE_TEST_SUITE_P(Stores, MySuite, CollectorOnEachStore::stores(), CollectorOnEachStore::name);
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "tests/support/TestCollector.h"
#include "tests/support/PostgresServer.h"

namespace mamori::test {

class CollectorOnEachStore : public ::testing::TestWithParam<std::string> {
public:
    static auto stores() { return ::testing::Values(std::string("sqlite"), std::string("postgresql")); }
    static std::string name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

protected:
    // extra_conf: lines appended to the collector's collector.conf.
    explicit CollectorOnEachStore(std::string name, std::string extra_conf = "")
        : name_(std::move(name)), extra_conf_(std::move(extra_conf)) {}

    void SetUp() override {
        store_.clear();
        if (GetParam() == "postgresql") {
            auto* server = PostgresServer::shared();
            // Where the test script installed PostgreSQL (CI), a missing server is a failure.
            if (!server && std::getenv("CI")) FAIL() << PostgresServer::kSkipMessage;
            if (!server) GTEST_SKIP() << PostgresServer::kSkipMessage;
            store_ = server->createDatabase();
        }
        dir = tempDir(name_);
        collector = std::make_unique<TestCollector>(dir / "collector", extra_conf_, store_);
        collector->start();
    }
    void TearDown() override {
        if (collector) collector->stop();
        if (!HasFailure() && !dir.empty()) std::filesystem::remove_all(dir);
    }

    // The collector's store, for a test that looks into it directly.
    std::string storeUrl() const {
        return store_.empty() ? "sqlite:" + (dir / "collector" / "store.db").string() : store_;
    }

    std::filesystem::path dir;
    std::unique_ptr<TestCollector> collector;

private:
    std::string name_, extra_conf_, store_;
};

}  // namespace mamori::test
