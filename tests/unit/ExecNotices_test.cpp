// The process connector's datagrams as ExecNotices reads them: exec notices give their process,
// other kinds are ignored, and bytes that do not read as the connector's are skipped and counted.
#include "platform/linux/ExecNotices.h"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>

using mamori::platform::ExecNotices;

namespace {

// One netlink message from the connector, laid out as the kernel sends it.
std::string notice(uint32_t what, int32_t pid, int32_t tgid, uint32_t idx = CN_IDX_PROC) {
    proc_event ev{};
    ev.what = static_cast<decltype(ev.what)>(what);
    ev.event_data.exec.process_pid = pid;
    ev.event_data.exec.process_tgid = tgid;
    cn_msg cn{};
    cn.id.idx = idx;
    cn.id.val = CN_VAL_PROC;
    cn.len = sizeof ev;
    nlmsghdr nl{};
    nl.nlmsg_len = static_cast<uint32_t>(sizeof nl + sizeof cn + sizeof ev);
    nl.nlmsg_type = NLMSG_DONE;
    std::string out(NLMSG_ALIGN(nl.nlmsg_len), '\0');
    std::memcpy(out.data(), &nl, sizeof nl);
    std::memcpy(out.data() + sizeof nl, &cn, sizeof cn);
    std::memcpy(out.data() + sizeof nl + sizeof cn, &ev, sizeof ev);
    return out;
}

TEST(ExecNotices, AnExecNoticeGivesItsProcessNotItsThread) {
    size_t malformed = 0;
    EXPECT_EQ(ExecNotices::parse(notice(proc_event::PROC_EVENT_EXEC, 4321, 4300), &malformed),
              std::vector<uint32_t>{4300});
    EXPECT_EQ(malformed, 0u);
}

TEST(ExecNotices, OtherKindsAreIgnoredAndSeveralMessagesAreRead) {
    const std::string d = notice(proc_event::PROC_EVENT_FORK, 1, 1) + notice(proc_event::PROC_EVENT_EXEC, 7, 7) +
                          notice(proc_event::PROC_EVENT_EXIT, 7, 7) + notice(proc_event::PROC_EVENT_EXEC, 9, 9);
    size_t malformed = 0;
    EXPECT_EQ(ExecNotices::parse(d, &malformed), (std::vector<uint32_t>{7, 9}));
    EXPECT_EQ(malformed, 0u);
}

TEST(ExecNotices, MalformedMessagesAreSkippedAndCountedNeverGuessedAt) {
    const std::string good = notice(proc_event::PROC_EVENT_EXEC, 5, 5);
    size_t malformed = 0;
    // Cut anywhere: nothing read past the end, nothing made up.
    for (size_t n = 0; n < good.size(); ++n) {
        const auto pids = ExecNotices::parse(std::string_view(good).substr(0, n), &malformed);
        EXPECT_TRUE(pids.empty()) << n;
    }
    EXPECT_GT(malformed, 0u);

    malformed = 0;
    EXPECT_TRUE(ExecNotices::parse(notice(proc_event::PROC_EVENT_EXEC, 5, 5, CN_IDX_CIFS), &malformed).empty());
    EXPECT_EQ(malformed, 1u);  // another connector's message
    malformed = 0;
    EXPECT_TRUE(ExecNotices::parse(notice(proc_event::PROC_EVENT_EXEC, 0, 0), &malformed).empty());
    EXPECT_TRUE(ExecNotices::parse(notice(proc_event::PROC_EVENT_EXEC, -3, -3), &malformed).empty());
    EXPECT_EQ(malformed, 2u);  // no process has these numbers

    // A netlink length that runs past the datagram ends the reading there.
    std::string lying = good;
    const uint32_t huge = 1u << 20;
    std::memcpy(lying.data(), &huge, sizeof huge);
    malformed = 0;
    EXPECT_TRUE(ExecNotices::parse(lying + good, &malformed).empty());
    EXPECT_EQ(malformed, 1u);

    // A connector length longer than its message.
    std::string long_cn = good;
    const uint16_t cn_len = 0xffff;
    std::memcpy(long_cn.data() + sizeof(nlmsghdr) + offsetof(cn_msg, len), &cn_len, sizeof cn_len);
    malformed = 0;
    EXPECT_EQ(ExecNotices::parse(long_cn + good, &malformed), std::vector<uint32_t>{5});
    EXPECT_EQ(malformed, 1u);
}

}  // namespace
