#pragma once
#include <boost/json/object.hpp>
#include <string>

#include "collector/HttpsServer.h"

namespace mamori::collector {

// The JSON body of an admin request, read member by member: the counterpart of AdminQuery for
// POSTs. Anything that is not what was asked for is the client's mistake, a common::UserError
// (400) naming the member in English and Japanese.
class AdminBody {
public:
    // `shape` tells the client what was expected: {"terminal": ..., "reason": ...}.
    AdminBody(const HttpRequest& req, const std::string& shape);

    // A string member; `absent` when it is missing or null, an error when `required`.
    std::string text(const std::string& key, const std::string& absent = {}, bool required = false) const;
    // A required string member that is not empty either.
    std::string nonEmpty(const std::string& key, const std::string& english, const std::string& japanese) const;

private:
    boost::json::object object_;
};

}  // namespace mamori::collector
