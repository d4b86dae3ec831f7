#include <gtest/gtest.h>

#include "collector/ReportTable.h"

using mamori::collector::ReportTable;

TEST(ReportTable, CsvHasBomCrlfAndQuoting) {
    ReportTable t({"terminal", "note"});
    t.add({"pc-001", "a,b \"c\""});
    EXPECT_EQ(t.csv(), "\xEF\xBB\xBFterminal,note\r\npc-001,\"a,b \"\"c\"\"\"\r\n");
}

TEST(ReportTable, CsvKeepsFormulasAsText) {
    ReportTable t({"host", "skew"});
    t.add({"=HYPERLINK(\"http://x\")", "-1200"});
    t.add({"@SUM(A1)", "+5"});
    t.add({"-cmd", "-"});
    EXPECT_EQ(t.csv(),
              "\xEF\xBB\xBFhost,skew\r\n"
              "\"'=HYPERLINK(\"\"http://x\"\")\",-1200\r\n"
              "'@SUM(A1),+5\r\n"
              "'-cmd,'-\r\n");
}

TEST(ReportTable, TableCountsJapaneseTwoColumnsWide) {
    EXPECT_EQ(ReportTable::displayWidth("総務課"), 6u);
    EXPECT_EQ(ReportTable::displayWidth("pc-001"), 6u);
    ReportTable t({"section", "n"});
    t.add({"総務課", "1"});
    EXPECT_EQ(t.table(), "section  n\n-------  -\n総務課   1\n");
}
