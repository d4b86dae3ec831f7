#include <gtest/gtest.h>

#include <cstring>

#include "platform/linux/UtmpRecord.h"

using mamori::platform::UtmpRecord;

TEST(UtmpRecord, FieldWithoutTerminatingNulEndsAtTheFieldsEnd) {
    char line[4] = {'p', 't', 's', '/'};
    EXPECT_EQ(UtmpRecord::text(line, sizeof line), "pts/");
}

TEST(UtmpRecord, JapaneseUserNamesArePreserved) {
    const char name[] = "山田";
    EXPECT_EQ(UtmpRecord::text(name, sizeof name), "山田");
}

TEST(UtmpRecord, InvalidUtf8AndControlCharactersBecomeQuestionMarks) {
    const char typed[] = "ro\x1b[2Jot\xff\xc3";  // a terminal escape and broken UTF-8, as typed at a login prompt
    EXPECT_EQ(UtmpRecord::text(typed, sizeof typed - 1), "ro?[2Jot??");
    const char overlong[] = "\xc0\xaf";  // '/' in an overlong form
    EXPECT_EQ(UtmpRecord::text(overlong, sizeof overlong - 1), "??");
    const char surrogate[] = "\xed\xa0\x80";
    EXPECT_EQ(UtmpRecord::text(surrogate, sizeof surrogate - 1), "???");
}

TEST(UtmpRecord, RecordFromBytes) {
    utmpx r{};
    r.ut_type = USER_PROCESS;
    r.ut_pid = 42;
    std::strncpy(r.ut_user, "sato", sizeof r.ut_user);
    std::strncpy(r.ut_line, ":0", sizeof r.ut_line);
    r.ut_tv.tv_sec = 1700000000;
    std::string bytes(reinterpret_cast<const char*>(&r), sizeof r);
    auto back = UtmpRecord::fromBytes(bytes);
    ASSERT_TRUE(back);
    auto s = UtmpRecord::toSession(*back);
    EXPECT_EQ(s.user, "sato");
    EXPECT_EQ(s.display(), ":0");
    EXPECT_EQ(s.pid, 42);
    EXPECT_EQ(s.start_unix, 1700000000);

    EXPECT_FALSE(UtmpRecord::fromBytes(bytes.substr(1)));
    utmpx empty{};
    EXPECT_FALSE(UtmpRecord::fromBytes(std::string(reinterpret_cast<const char*>(&empty), sizeof empty)));
}
