//! The OpenAPI document (utoipa). A test checks it against the router's route table: every
//! route is documented and every documented route exists.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::routes::{accounts, inspections, layers, ledger, ops, reviews, tiles, web};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "redline",
        description = "宅基地用地审查与绿盾遥感线索核查服务 (homestead review and Green Shield inspection for Jingdezhen)"
    ),
    paths(
        ops::health,
        ops::version,
        ops::metrics,
        ops::openapi,
        ops::audit,
        accounts::log_in,
        accounts::current,
        accounts::log_out,
        accounts::list_users,
        accounts::create_user,
        accounts::reset_password,
        accounts::set_disabled,
        web::config,
        layers::list,
        layers::features,
        layers::versions,
        layers::upload,
        reviews::submit,
        reviews::list,
        reviews::get,
        reviews::decide,
        inspections::inspect,
        ledger::list,
        ledger::show,
        ledger::transition,
        ledger::summary,
        ledger::export,
        tiles::tilejson,
        tiles::tile,
        tiles::ledger_tile,
    ),
    components(schemas(
        super::error::ErrorBody,
        super::error::ErrorDetail,
        super::state::LayerState,
        redline_core::storage::Decision,
        redline_core::storage::DecisionRow,
        redline_core::storage::UsedLayer,
        reviews::DecisionBody,
        ledger::TransitionBody,
        accounts::LoginBody,
        accounts::NewUserBody,
        accounts::PasswordBody,
        accounts::DisabledBody,
    )),
    modifiers(&Bearer),
    tags(
        (name = "accounts", description = "登录与用户管理 (log-in sessions and users)"),
        (name = "ops", description = "健康检查、版本、指标 (operations)"),
        (name = "layers", description = "图层 (layers and their versions)"),
        (name = "review", description = "宅基地审查 (parcel review)"),
        (name = "inspection", description = "绿盾线索核查 (clue placement)"),
        (name = "ledger", description = "问题台账 (rectification ledger)"),
    )
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
