#include "collector/ctl/StoreCommands.h"

#include <iostream>

#include "collector/Store.h"
#include "collector/StoreMigration.h"

namespace mamori::collector {

StoreCommands::StoreCommands(common::CommandLine& cli) {
    CLI::App* migrate =
        cli.command(cli.app(), "migrate",
                    "copy a whole store into an empty one, checking the rows of every table; stop the collector "
                    "first (needs no collector)",
                    "  mamorictl migrate --from sqlite:/var/lib/mamori-collector/store.db \\\n"
                    "      --to postgresql://mamori@db.city.local/mamori",
                    [this] { return this->migrate(); });
    cli.required(migrate->add_option("--from", from_, "the store to copy: sqlite:PATH or postgresql://...")
                     ->type_name("STORE"),
                 "the store to copy", "移行元（--from）が指定されていません");
    cli.required(migrate->add_option("--to", to_, "the empty store to copy into")->type_name("STORE"),
                 "the store to copy into", "移行先（--to）が指定されていません");
}

int StoreCommands::migrate() {
    if (from_ == to_)
        throw CLI::ValidationError("--to", "--from and --to name the same store / 移行元と移行先が同じです");
    auto source = openStore(from_);
    auto destination = openStore(to_);
    const auto counts =
        StoreMigration::run(*source, *destination, [](const std::string& table) { std::cerr << "copying " << table << "\n"; });
    ReportTable t({"table", "rows in source", "rows copied"});
    for (const auto& c : counts) t.add({c.table, std::to_string(c.source), std::to_string(c.copied)});
    std::cout << t.table()
              << "every table copied and its rows counted; point `store` in collector.conf at the new store "
                 "and start the collector\n全テーブルを移行し件数を確認しました。collector.conf の store を"
                 "移行先に変更してコレクターを起動してください。\n";
    return 0;
}

}  // namespace mamori::collector
