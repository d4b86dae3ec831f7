// mamorictl: the administrators' command line for a mamori collector, as a table of commands.
#include "collector/ctl/CtlContext.h"
#include "collector/ctl/EvidenceCommands.h"
#include "collector/ctl/ExceptionCommands.h"
#include "collector/ctl/LifecycleCommands.h"
#include "collector/ctl/MediaCommands.h"
#include "collector/ctl/PolicyCommands.h"
#include "collector/ctl/ReportCommands.h"
#include "collector/ctl/TerminalCommands.h"
#include "collector/ctl/UserCommands.h"
#include "mamori/common/CommandLine.h"

#include <iostream>

using namespace mamori::collector;

int main(int argc, char** argv) {
    mamori::common::CommandLine cli("mamorictl", "mamorictl: administer a mamori collector (mamori 管理コマンド)");
    cli.app().set_version_flag("--version", "mamorictl " MAMORI_VERSION, "show the version and exit");
    cli.app().footer(
        "Every command has its own --help. The collector and your token come from --config FILE, $MAMORI_CTL_CONFIG,\n"
        "~/.config/mamori/mamorictl.conf, /etc/mamori/mamorictl.conf or, on the collector's own machine,\n"
        "/var/lib/mamori-collector/mamorictl.conf (url, ca, token_file). `policy check` and `verify` need no collector.\n"
        "Times and dates are the collector's, in the municipality's time zone (named in the headings), whatever this\n"
        "machine's zone; --lang ja|en or the locale (LANG=ja_JP.UTF-8) chooses the headings' language. CSV is UTF-8\n"
        "with a BOM (Excel shows Japanese correctly); JSON is {\"version\": 1, \"time_zone\": ..., \"rows\": [...]} with ISO 8601 times.\n\n" +
        std::string(mamori::common::CommandLine::kExitCodes));
    CtlContext ctx(cli.app());
    TerminalCommands terminals(cli, ctx);
    LifecycleCommands lifecycle(cli, ctx);  // adds to the token and terminal groups made just above
    EvidenceCommands evidence(cli, ctx);
    ReportCommands reports(cli, ctx);
    PolicyCommands policy(cli, ctx);
    ExceptionCommands exceptions(cli, ctx);
    MediaCommands media(cli, ctx);
    UserCommands users(cli, ctx);
    // `migrate` moved to mamori-collector, which opens stores; a script written for it here is told where.
    std::string moved_from, moved_to;
    CLI::App* moved = cli.command(cli.app(), "migrate", "", "", [] {
           std::cerr << "mamorictl: migrate is now `mamori-collector migrate --from STORE --to STORE`, run on the "
                        "collector's machine\nmamorictl: migrate は `mamori-collector migrate --from 移行元 --to 移行先` "
                        "になりました（収集サーバー上で実行してください）\n";
           return mamori::common::CommandLine::kUsage;
       });
    moved->group("");
    moved->add_option("--from", moved_from);
    moved->add_option("--to", moved_to);
    return cli.run(argc, argv);
}
