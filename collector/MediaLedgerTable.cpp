#include "collector/MediaLedgerTable.h"

#include <boost/json.hpp>

namespace mamori::collector {

ReportTable MediaLedgerTable::of(const boost::json::array& rows, const AnswerText& w) {
    using A = AnswerText;
    std::vector<std::string> headings;
    for (const A::Words& h : std::vector<A::Words>{{"ledger no", "台帳番号"},
                                                   {"device", "媒体"},
                                                   {"description", "品名"},
                                                   {"section", "管理所属"},
                                                   {"terminals", "使用端末"},
                                                   {"purpose", "用途"},
                                                   {"access", "アクセス"},
                                                   {"encrypted", "暗号化"},
                                                   {"requested by", "申請者"},
                                                   {"requested at", "申請日時"},
                                                   {"approved by", "承認者"},
                                                   {"approved at", "承認日時"},
                                                   {"until", "有効期限"},
                                                   {"state", "状態"},
                                                   {"retirement requested by", "廃棄申請者"},
                                                   {"erased by", "消去・破壊実施者"},
                                                   {"method", "方法"},
                                                   {"retirement reason", "廃棄理由"},
                                                   {"retired by", "廃棄承認者"},
                                                   {"retired at", "廃棄日時"}})
        headings.push_back(w.say(h));
    ReportTable t(std::move(headings));
    for (const auto& r : rows) {
        std::string terminals;
        for (const auto& id : r.at("terminals").as_array()) terminals += (terminals.empty() ? "" : " ") + A::text(id);
        if (terminals.empty()) terminals = w.say({"all of the section", "所属の全端末"});
        t.add({A::text(r.at("id")), A::text(r.at("device")), A::text(r.at("description")), A::text(r.at("owner_section")),
               terminals, A::text(r.at("purpose")), A::text(r.at("access")), w.yesNo(r.at("encrypted").as_bool()),
               A::text(r.at("requested_by")), A::time(r.at("requested")), A::text(r.at("approved_by")),
               A::time(r.at("approved")), A::text(r.at("until")), A::text(r.at("state")),
               A::text(r.at("retire_requested_by")), A::text(r.at("erased_by")), A::text(r.at("method")),
               A::text(r.at("retire_reason")), A::text(r.at("ended_by")), A::time(r.at("ended"))});
    }
    return t;
}

}  // namespace mamori::collector
