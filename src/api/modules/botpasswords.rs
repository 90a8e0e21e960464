//! `action=botpasswords` and `meta=botpasswords`: the logged-in user's own
//! bot passwords, created, changed, revoked and listed. MediaWiki 1.39
//! has no API for them (only its Special:BotPasswords form); these modules
//! are wikiupload's own, so that Special:BotPasswords here does nothing
//! the API cannot. Changing needs `editmyprivateinfo`, which no grant
//! gives (a bot cannot make itself bot passwords, as in MediaWiki, where
//! the page needs that right); listing needs `viewmyprivateinfo`.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::upload::permission_denied;
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::auth::rights::GRANT_NAMES;
use crate::auth::{AuthError, TokenType, User};

const OPERATIONS: &[&str] = &["create", "update", "delete"];

pub static BOTPASSWORDS: ModuleSpec = ModuleSpec {
    name: "botpasswords",
    path: "botpasswords",
    group: "action",
    class: "ApiBotPasswords",
    prefix: "",
    params: &[
        ParamSpec::new("operation", ParamType::Enum(OPERATIONS)).required(),
        ParamSpec::string("appid").required(),
        ParamSpec::new("grants", ParamType::Enum(&GRANT_NAMES)).multi(),
        ParamSpec::flag("resetpassword"),
        ParamSpec::token(TokenType::Csrf),
    ],
    must_post: true,
    write: true,
    read_rights: false,
    help_url: None,
};

pub static BOTPASSWORDS_META: ModuleSpec = ModuleSpec {
    name: "botpasswords",
    path: "query+botpasswords",
    group: "meta",
    class: "ApiQueryBotPasswords",
    prefix: "bp",
    params: &[],
    must_post: false,
    write: false,
    read_rights: false,
    help_url: None,
};

pub struct BotPasswordsParams {
    operation: &'static str,
    app_id: String,
    grants: Vec<String>,
    reset_password: bool,
}

impl BotPasswordsParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<BotPasswordsParams, ApiError> {
        let p = |name| BOTPASSWORDS.param(name);
        let operation = reader.choice(p("operation"))?.unwrap_or("create");
        // Special:BotPasswords trims the name it is given.
        let app_id = reader
            .string(p("appid"))?
            .unwrap_or_default()
            .trim()
            .to_owned();
        let grants = reader
            .choices(p("grants"))?
            .into_iter()
            .map(String::from)
            .collect();
        let reset_password = reader.flag(p("resetpassword"))?;
        Ok(BotPasswordsParams {
            operation,
            app_id,
            grants,
            reset_password,
        })
    }
}

/// The account a request manages bot passwords of: its own, logged in
/// with its main password or holding `right`.
fn own_account(ctx: &Ctx<'_>, right: &str) -> Result<User, ApiError> {
    let Some(user) = ctx.identity.user.clone() else {
        return Err(ApiError::new(
            "notloggedin",
            Message::new(
                "wikiupload-botpasswords-notloggedin",
                vec![],
                "You must be logged in to manage bot passwords.".into(),
            ),
        ));
    };
    if !ctx.identity.has_right(right) {
        return Err(permission_denied(ctx, right));
    }
    Ok(user)
}

/// The refusals of the account layer in this module's words.
fn refusal(err: AuthError) -> ApiError {
    let (code, key, text) = match &err {
        AuthError::InvalidBotName(name) => (
            "invalidappid",
            "wikiupload-botpasswords-invalidappid",
            format!(
                "\"{name}\" is not a valid bot name: use 1 to 32 characters without spaces or \"@\"."
            ),
        ),
        AuthError::BotPasswordExists(name) => (
            "botpasswordexists",
            "wikiupload-botpasswords-exists",
            format!(
                "You have a bot password named \"{name}\" already: update or delete it, or choose another name."
            ),
        ),
        AuthError::NoSuchBotPassword(name) => (
            "nosuchbotpassword",
            "wikiupload-botpasswords-nosuch",
            format!("You have no bot password named \"{name}\"."),
        ),
        _ => return err.into(),
    };
    ApiError::new(code, Message::new(key, vec![], text))
}

/// `action=botpasswords`.
pub async fn execute(params: BotPasswordsParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let user = own_account(ctx, "editmyprivateinfo")?;
    let accounts = &ctx.app.accounts;
    let app_id = params.app_id.as_str();
    let password = match params.operation {
        "create" => Some(
            accounts
                .add_bot_password(&user, app_id, &params.grants)
                .await
                .map_err(refusal)?,
        ),
        "update" => accounts
            .change_bot_password(&user, app_id, &params.grants, params.reset_password)
            .await
            .map_err(refusal)?,
        _ => {
            accounts
                .remove_bot_password(&user, app_id)
                .await
                .map_err(refusal)?;
            None
        }
    };
    // Who changed what, as MediaWiki's authentication log says (never the
    // password).
    tracing::info!(
        operation = params.operation,
        user = %user.name,
        app_id,
        grants = params.grants.join(","),
        client_ip = %ctx.client_ip,
        "bot password changed"
    );
    let mut result = Map::new();
    result.insert("operation".into(), params.operation.into());
    result.insert("appid".into(), app_id.into());
    result.insert("username".into(), format!("{}@{app_id}", user.name).into());
    if params.operation != "delete" {
        let grants = accounts
            .bot_passwords(&user)
            .await?
            .into_iter()
            .find(|bot| bot.app_id == app_id)
            .map(|bot| bot.grants)
            .unwrap_or_default();
        result.insert("grants".into(), grants.into());
    }
    if let Some(password) = password {
        result.insert("password".into(), password.into());
    }
    ctx.output.add("botpasswords", Value::Object(result));
    Ok(())
}

/// `meta=botpasswords`: the names, grants and creation times of the
/// user's bot passwords.
pub async fn list(ctx: &mut Ctx<'_>) -> Result<Value, ApiError> {
    let user = own_account(ctx, "viewmyprivateinfo")?;
    let bots = ctx.app.accounts.bot_passwords(&user).await?;
    Ok(bots
        .into_iter()
        .map(|bot| {
            serde_json::json!({
                "appid": bot.app_id,
                "grants": bot.grants,
                "created": iso_timestamp(bot.created_at),
            })
        })
        .collect())
}
