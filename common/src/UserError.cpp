#include "mamori/common/UserError.h"

namespace mamori::common {

UserError::UserError(Kind kind, std::string english, std::string japanese)
    : std::runtime_error(japanese.empty() ? english : english + "\n" + japanese),
      kind_(kind),
      english_(std::move(english)),
      japanese_(std::move(japanese)) {}

unsigned UserError::httpStatus() const {
    switch (kind_) {
        case Kind::Invalid: return 400;
        case Kind::Unauthorized: return 401;
        case Kind::Forbidden: return 403;
        case Kind::NotFound: return 404;
        case Kind::Conflict:
        case Kind::Busy: return 409;
        case Kind::TooLarge: return 413;
    }
    return 400;
}

}  // namespace mamori::common
