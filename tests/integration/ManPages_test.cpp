// The manual pages are written by hand, so nothing but this test keeps them true: every option
// and command a program's --help lists is named in its page, in English and in Japanese, and each
// page renders without a warning from man(1) (what lintian checks in the packages).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "tests/support/TestCollector.h"

using namespace mamori::test;

namespace {

struct Page {
    std::string program;  // empty: a configuration file's page
    std::string name;
    int section;
};

const Page kPages[] = {{"mamori-agent", "mamori-agent", 8},
                       {"mamori-collector", "mamori-collector", 8},
                       {"mamorictl", "mamorictl", 1},
                       {"", "agent.conf", 5},
                       {"", "collector.conf", 5}};

std::string built(const Page& p, const std::string& lang) {
    return std::string(MAMORI_BINARY_DIR) + "/installer/man/" + lang + "/" + p.name + "." + std::to_string(p.section);
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// In roff a '-' is written "\-"; the Japanese pages also carry break points ("\:").
std::string asRoff(const std::string& s) {
    std::string out;
    for (const char c : s) out += c == '-' ? std::string("\\-") : std::string(1, c);
    return out;
}

std::string help(const std::string& program, const std::vector<std::string>& command) {
    std::vector<std::string> argv{bin(program)};
    argv.insert(argv.end(), command.begin(), command.end());
    argv.push_back("--help");
    std::string out;
    EXPECT_EQ(Subprocess::run(argv, &out), 0) << out;
    return out;
}

// The names listed under one heading of CLI11's help ("Options:", "Subcommands:").
std::vector<std::string> listed(const std::string& help_text, const std::string& heading) {
    std::vector<std::string> names;
    std::istringstream in(help_text);
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line == heading) {
            inside = true;
        } else if (inside && line.empty()) {
            break;
        } else if (inside && line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
            names.push_back(line.substr(2, line.find(' ', 2) - 2));
        }
    }
    return names;
}

// Every command path ("token create") and every long option of a program, from its own --help.
void collect(const std::string& program, const std::vector<std::string>& command, std::set<std::string>& commands,
             std::set<std::string>& options) {
    const std::string text = help(program, command);
    for (const std::string& option : listed(text, "Options:")) {
        for (std::size_t at = option.find("--"); at != std::string::npos; at = option.find("--", at + 2)) {
            options.insert(option.substr(at, option.find(',', at) - at));
        }
    }
    for (const std::string& sub : listed(text, "Subcommands:")) {
        auto path = command;
        path.push_back(sub);
        std::string joined;
        for (const auto& word : path) joined += (joined.empty() ? "" : " ") + word;
        commands.insert(joined);
        collect(program, path, commands, options);
    }
}

TEST(ManPages, EachNamesEveryCommandAndOptionOfItsProgramInBothLanguages) {
    for (const Page& page : kPages) {
        if (page.program.empty()) continue;
        std::set<std::string> commands, options;
        collect(page.program, {}, commands, options);
        EXPECT_GT(commands.size(), 2u) << page.program;
        EXPECT_GT(options.size(), 3u) << page.program;
        for (const std::string lang : {"en", "ja"}) {
            std::string source = readFile(built(page, lang));
            ASSERT_FALSE(source.empty()) << built(page, lang);
            for (std::size_t at; (at = source.find("\\:")) != std::string::npos;) source.erase(at, 2);
            for (const auto& c : commands)
                EXPECT_NE(source.find(asRoff(c)), std::string::npos) << built(page, lang) << " lacks the command " << c;
            for (const auto& o : options)
                EXPECT_NE(source.find(asRoff(o)), std::string::npos) << built(page, lang) << " lacks the option " << o;
        }
    }
}

// The quoted words of the first brace list after `anchor` in a source file: the keys a
// configuration file accepts, as AgentConfig::load and CollectorHome::knownKeys list them.
std::vector<std::string> keysListedAfter(const std::string& source_file, const std::string& anchor) {
    const std::string text = readFile(std::string(MAMORI_SOURCE_DIR) + "/" + source_file);
    const auto at = text.find(anchor);
    EXPECT_NE(at, std::string::npos) << source_file << " no longer has " << anchor;
    if (at == std::string::npos) return {};
    const auto open = text.find('{', at), close = text.find('}', at);
    std::vector<std::string> keys;
    for (auto q = text.find('"', open); q < close; q = text.find('"', q + 1)) {
        const auto end = text.find('"', q + 1);
        keys.push_back(text.substr(q + 1, end - q - 1));
        q = end;
    }
    return keys;
}

TEST(ManPages, ConfigurationPagesNameEveryKeyTheProgramsAccept) {
    const std::map<std::string, std::vector<std::string>> keys{
        {"agent.conf", keysListedAfter("agent/AgentConfig.cpp", "ConfigFile::load(file,")},
        {"collector.conf", keysListedAfter("collector/CollectorHome.cpp", "CollectorHome::knownKeys()")}};
    for (const Page& page : kPages) {
        if (!page.program.empty()) continue;
        EXPECT_GT(keys.at(page.name).size(), 10u) << page.name;
        for (const std::string lang : {"en", "ja"}) {
            const std::string source = readFile(built(page, lang));
            for (const auto& key : keys.at(page.name))
                EXPECT_NE(source.find(".B " + key + "\n"), std::string::npos) << built(page, lang) << " lacks " << key;
        }
    }
}

TEST(ManPages, EveryPageRendersWithoutAWarning) {
    const auto dir = tempDir("man-pages");
    for (const Page& page : kPages) {
        for (const std::string lang : {"en", "ja"}) {
            const std::string file = built(page, lang);
            const std::string warnings = (dir / "warnings").string();
            const std::string rendered = (dir / "page").string();
            const std::string command = "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '" + file + "' >'" + rendered +
                                        "' 2>'" + warnings + "'";
            EXPECT_EQ(std::system(command.c_str()), 0) << command;
            EXPECT_EQ(readFile(warnings), "") << file;
            EXPECT_NE(readFile(rendered).find(lang == "en" ? "EXIT STATUS" : "終了ステータス"), std::string::npos) << file;
        }
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
