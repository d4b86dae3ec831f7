#include "collector/MediaRequest.h"

#include <date/date.h>

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>

#include "collector/AdminAnswer.h"
#include "collector/AdminHttp.h"
#include "mamori/common/UserError.h"
#include "mamori/policy/FiscalYear.h"
#include "mamori/policy/UsbDeviceId.h"

namespace mamori::collector {

namespace json = boost::json;
using common::UserError;

MediaRecord MediaRequest::fromJson(const json::object& body, const std::string& requester,
                                   const LocalCalendar& calendar, int64_t now_unix) {
    MediaRecord m;
    if (const std::string device = AdminHttp::text(body, "device"); !device.empty()) {
        const auto id = mamori::policy::UsbDeviceId::parse(device);
        if (!id) throw UserError::invalid(id.why, id.why_ja);
        m.device = id.id->str();
    }
    m.purpose = AdminHttp::text(body, "purpose");
    if (m.purpose.empty())
        throw UserError::invalid("say what the stick is for (--purpose): the ledger keeps it",
                                 "媒体の用途（--purpose）を記入してください。台帳に記録されます");
    m.access = AdminHttp::text(body, "access", "read-only");
    // Read-only unless asked otherwise: long-kept media are write-protected (004:376) and the My
    // Number tier lets nothing leave through media (002:1020).
    if (m.access != "read-only" && m.access != "read-write")
        throw UserError::invalid("access must be read-only or read-write, not '" + m.access + "'",
                                 "access は read-only か read-write で指定してください（'" + m.access + "'）");
    const json::value* encrypted = body.if_contains("encrypted");
    const bool yes = encrypted && ((encrypted->is_bool() && encrypted->as_bool()) ||
                                   (encrypted->is_string() && encrypted->as_string() == "yes"));
    const bool no = encrypted && ((encrypted->is_bool() && !encrypted->as_bool()) ||
                                  (encrypted->is_string() && encrypted->as_string() == "no"));
    if (!yes && !no)
        throw UserError::invalid("say whether the stick is encrypted (--encrypted yes|no): the ledger records it",
                                 "媒体が暗号化されているか（--encrypted yes|no）を指定してください。台帳に記録されます");
    m.encrypted = yes;
    m.until = AdminHttp::text(body, "until");
    if (m.until.empty())
        throw UserError::invalid("a registration needs an expiry (--until YYYY-MM-DD), the last day it may be used",
                                 "媒体の登録には有効期限（--until YYYY-MM-DD、使用できる最終日）が必要です");
    try {
        m.expires_unix = calendar.startOfDateUnix(m.until, 1);
    } catch (const UserError&) {
        throw UserError::invalid("until must be a date, YYYY-MM-DD, not '" + m.until + "'",
                                 "有効期限（until）は YYYY-MM-DD の日付で指定してください（'" + m.until + "'）");
    }
    if (m.expires_unix <= now_unix)
        throw UserError::invalid("the expiry " + m.until + " is already past", "有効期限 " + m.until + " は既に過ぎています");
    m.description = AdminHttp::text(body, "description");
    m.state = "requested";
    m.requested_by = requester;
    m.requested_unix = now_unix;
    return m;
}

const std::vector<std::string>& MediaRequest::retireMethods() {
    // lost: nothing could be erased; erased_by names who reported the loss.
    static const std::vector<std::string> methods{"overwrite", "physical-destruction", "degauss", "crypto-erase", "lost"};
    return methods;
}

MediaRecord MediaRequest::retirement(const MediaRecord& rec, const json::object& body, const std::string& requester,
                                     int64_t now_unix) {
    MediaRecord m = rec;
    m.erased_by = AdminHttp::text(body, "erased_by");
    m.erase_method = AdminHttp::text(body, "method");
    m.retire_reason = AdminHttp::text(body, "reason");
    if (m.erased_by.empty())
        throw UserError::invalid("say who erased or destroyed the stick (--erased-by): it is the disposal record",
                                 "消去・破壊を行った者（--erased-by）を記入してください。廃棄記録になります");
    const auto& methods = retireMethods();
    if (std::find(methods.begin(), methods.end(), m.erase_method) == methods.end())
        throw UserError::invalid("--method must be overwrite, physical-destruction, degauss, crypto-erase or lost, not '" +
                                     m.erase_method + "'",
                                 "--method は overwrite（上書き消去）・physical-destruction（物理破壊）・degauss（磁気消去）・"
                                 "crypto-erase（暗号消去）・lost（紛失）のいずれかです（'" + m.erase_method + "'）");
    if (m.retire_reason.empty())
        throw UserError::invalid("say why the stick is retired (--reason): it is kept with the disposal record",
                                 "廃棄の理由（--reason）を記入してください。廃棄記録として保存されます");
    m.state = "retiring";
    m.retire_requested_by = requester;
    m.retire_requested_unix = now_unix;
    return m;
}

std::string MediaRequest::numberPrefix(const LocalCalendar& calendar, int64_t now_unix) {
    std::istringstream in(calendar.dateOfUnix(now_unix));
    date::year_month_day today;
    in >> date::parse("%F", today);
    return "M-" + std::to_string(mamori::policy::FiscalYear::fiscalYearOf(today)) + "-";
}

std::string MediaRequest::stateAt(const MediaRecord& r, int64_t now_unix) {
    if (r.state == "active" && r.expires_unix <= now_unix) return "expired";
    return r.state;
}

json::object MediaRequest::toJson(const MediaRecord& r, const LocalCalendar& calendar, int64_t now_unix) {
    const AdminAnswer answer(calendar);
    json::array terminals;
    for (const auto& t : r.terminals) terminals.emplace_back(t);
    json::object out{{"id", r.id},
                     {"state", stateAt(r, now_unix)},
                     {"version", r.version},
                     {"device", r.device},
                     {"description", r.description},
                     {"owner_section", r.owner_section},
                     {"terminals", std::move(terminals)},
                     {"purpose", r.purpose},
                     {"access", r.access},
                     {"encrypted", r.encrypted},
                     {"until", r.until},
                     {"source_event", r.source_event},
                     {"requested_by", r.requested_by}};
    answer.time(out, "expires", r.expires_unix);
    answer.time(out, "requested", r.requested_unix);
    out["approved_by"] = r.approved_by;
    answer.time(out, "approved", r.approved_unix);
    out["retire_requested_by"] = r.retire_requested_by;
    answer.time(out, "retire_requested", r.retire_requested_unix);
    out["erased_by"] = r.erased_by;
    out["method"] = r.erase_method;
    out["retire_reason"] = r.retire_reason;
    out["ended_by"] = r.ended_by;
    answer.time(out, "ended", r.ended_unix);
    return out;
}

}  // namespace mamori::collector
