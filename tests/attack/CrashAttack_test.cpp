// The collector killed with SIGKILL while a terminal uploads, and the collector's disk full:
// nothing acknowledged is lost, nothing is stored twice, and delivery resumes on its own once
// the collector is back or the space is freed. Each test has its own collector.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "AttackedCollector.h"

using namespace mamori::test;

namespace {

// Sends the batch until the collector acknowledges it, as the agent's uploader does (at least
// once); returns the ack. Attempts that got no ack are counted in failures.
mamori::v1::EventAck deliver(SimulatedTerminal& t, const mamori::v1::EventBatch& batch, std::atomic<int>& failures) {
    for (;;) {
        try {
            const auto res = t.send(batch);
            mamori::v1::EventAck ack;
            if (res.status == 200 && ack.ParseFromString(res.body)) return ack;
        } catch (const std::exception&) {  // connection refused or cut: the collector is down
        }
        ++failures;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

TEST(CrashAttack, SigkillMidUploadLosesAndDuplicatesNothing) {
    AttackedCollector target("sigkill", "");
    target.start();
    auto t = target.enrollTerminal("pc-uploading");
    constexpr int kBatches = 30, kSize = 100;
    std::vector<mamori::v1::EventBatch> batches;
    for (int i = 0; i < kBatches; ++i) batches.push_back(t->batch(kSize));

    std::atomic<int> acked{0}, failures{0};
    uint64_t stored = 0, duplicates = 0;
    std::thread uploader([&] {
        for (int i = 0; i < kBatches; ++i) {
            const auto ack = deliver(*t, batches[i], failures);
            EXPECT_EQ(ack.acked_seq(), static_cast<uint64_t>((i + 1) * kSize)) << "batch " << i;
            EXPECT_TRUE(ack.warning().empty()) << ack.warning();
            stored += ack.stored();
            duplicates += ack.duplicates();
            ++acked;
        }
    });
    // Two kills while batches are on their way, each followed by a restart.
    for (int when : {5, 15}) {
        ASSERT_TRUE(waitFor([&] { return acked >= when; }, std::chrono::seconds(60)));
        EXPECT_EQ(target.collector().stop(SIGKILL), 128 + SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        target.collector().start();
    }
    uploader.join();
    EXPECT_GE(failures, 2) << "the kills did not interrupt the upload";
    // Every event acknowledged once, as stored or as already stored: what a killed collector
    // committed but never acknowledged comes back as duplicates of the resent batch, at most one
    // batch per kill, never as second copies.
    EXPECT_EQ(stored + duplicates, static_cast<uint64_t>(kBatches * kSize));
    EXPECT_LE(duplicates, 2u * kSize);
    target.expectStoredExactlyOnce(*t, kBatches * kSize);
    target.expectSurvived();
}

TEST(CrashAttack, AFullDiskRefusesCleanlyAndDeliveryResumesWhenSpaceIsFreed) {
    if (geteuid() != 0) GTEST_SKIP() << "mounting the small tmpfs needs root";
    const auto dir = tempDir("attack-disk");
    const auto mount_point = dir / "collector";
    std::filesystem::create_directories(mount_point);
    ASSERT_EQ(::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=8m,mode=0700"), 0) << strerror(errno);
    // Unmounted after the collector below has stopped, whatever the test's outcome.
    std::shared_ptr<void> unmount(nullptr, [&](void*) {
        ::umount2(mount_point.c_str(), MNT_DETACH);
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    });
    AttackedCollector target("disk", "", dir);
    target.start();
    auto t = target.enrollTerminal("pc-disk-full");
    std::atomic<int> failures{0};
    ASSERT_EQ(deliver(*t, t->batch(50), failures).stored(), 50u);

    // Fill the collector's file system to the last byte.
    const auto filler = mount_point / "filler";
    {
        const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ASSERT_GE(fd, 0);
        const std::string chunk(64 * 1024, 'x');
        size_t chunk_size = chunk.size();
        while (chunk_size > 0)
            if (::write(fd, chunk.data(), chunk_size) < 0) chunk_size /= 2;  // the last bytes one by one
        ::close(fd);
    }
    // New batches until one does not fit; then that one again, as the agent resends what was
    // not acknowledged. Refused means refused: nothing of it acknowledged, nothing stored.
    uint64_t acked = 50;
    std::optional<mamori::v1::EventBatch> refused;
    for (int i = 0; i < 50 && !refused; ++i) {
        const auto batch = t->batch(200);
        const auto res = t->send(batch);
        mamori::v1::EventAck ack;
        if (res.status == 200 && ack.ParseFromString(res.body) && ack.acked_seq() == acked + 200) {
            EXPECT_EQ(ack.stored(), 200u);
            acked = ack.acked_seq();
        } else {
            // A server error, no ack: the agent keeps the batch and sends it again.
            EXPECT_TRUE(res.status == 500 || res.status == 503) << res.status << " " << res.body;
            refused = batch;
        }
    }
    ASSERT_TRUE(refused) << "the disk never filled";
    for (int i = 0; i < 3; ++i) {
        const auto res = t->send(*refused);
        EXPECT_TRUE(res.status == 500 || res.status == 503) << res.status << " " << res.body;
    }
    // The admin API records every request in the store, so it cannot answer while the disk is
    // full; what was stored meanwhile is proved below: the refused batch, sent again once there
    // is space, is stored whole (none of it came in while it was refused) and nothing twice.
    target.expectAlive();

    // Space back: the refused batch goes through, and the next one after it.
    std::filesystem::remove(filler);
    const auto again = deliver(*t, *refused, failures);
    EXPECT_EQ(again.stored(), 200u);
    EXPECT_EQ(again.duplicates(), 0u);
    const auto next = deliver(*t, t->batch(200), failures);
    EXPECT_EQ(next.stored(), 200u);
    EXPECT_EQ(next.acked_seq(), acked + 400);
    target.expectStoredExactlyOnce(*t, acked + 400);
    target.expectSurvived();
}

}  // namespace
