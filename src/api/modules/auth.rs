//! `action=login` (bot passwords, and main accounts with a deprecation
//! warning), `action=clientlogin` and `action=logout`.
//!
//! Credential problems are never API errors: login answers HTTP 200 with a
//! `result` (`Success`, `Failed`, `WrongToken`, `NeedToken`, `Aborted`).

use serde_json::{Map, Value};

use super::ModuleSpec;
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType};
use crate::auth::{self, BotLoginOutcome, LoginOutcome, TokenType};

pub static LOGIN: ModuleSpec = ModuleSpec {
    name: "login",
    path: "login",
    group: "action",
    class: "ApiLogin",
    prefix: "lg",
    params: &[
        ParamSpec::string("name"),
        ParamSpec::new("password", ParamType::Password).sensitive(),
        ParamSpec::string("domain"),
        ParamSpec::string("token").sensitive(),
    ],
    must_post: true,
    write: false,
    read_rights: false,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Login"),
};

pub static CLIENTLOGIN: ModuleSpec = ModuleSpec {
    name: "clientlogin",
    path: "clientlogin",
    group: "action",
    class: "ApiClientLogin",
    prefix: "login",
    params: &[
        ParamSpec::string("requests").multi(),
        ParamSpec::new(
            "messageformat",
            ParamType::Enum(&["html", "wikitext", "raw", "none"]),
        )
        .default("wikitext"),
        ParamSpec::flag("mergerequestfields"),
        ParamSpec::flag("preservestate"),
        ParamSpec::string("returnurl"),
        ParamSpec::flag("continue"),
        ParamSpec::token(TokenType::Login),
    ],
    must_post: true,
    write: false,
    read_rights: false,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Login"),
};

pub static LOGOUT: ModuleSpec = ModuleSpec {
    name: "logout",
    path: "logout",
    group: "action",
    class: "ApiLogout",
    prefix: "",
    params: &[ParamSpec::token(TokenType::Csrf)],
    must_post: true,
    write: false,
    read_rights: false,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Logout"),
};

/// AuthManager's form fields, which clientlogin takes without its prefix.
const CLIENTLOGIN_FIELDS: [ParamSpec; 3] = [
    ParamSpec::string("username"),
    ParamSpec::new("password", ParamType::Password).sensitive(),
    ParamSpec::flag("rememberMe"),
];

pub struct LoginParams {
    name: String,
    password: String,
    token: Option<String>,
    /// Password or token sent in the URL, where they must not be.
    in_query: Vec<String>,
}

impl LoginParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<LoginParams, ApiError> {
        let p = |name| LOGIN.param(name);
        let name = reader.string(p("name"))?.unwrap_or_default();
        let password = reader.string(p("password"))?.unwrap_or_default();
        reader.string(p("domain"))?;
        let token = reader.string(p("token"))?;
        let in_query = ["lgpassword", "lgtoken"]
            .into_iter()
            .filter(|name| reader.sent_in_query(name))
            .map(str::to_owned)
            .collect();
        Ok(LoginParams {
            name,
            password,
            token,
            in_query,
        })
    }
}

pub async fn login(params: LoginParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    if !ctx.same_origin {
        return finish_login(
            ctx,
            aborted("Cannot log in when the same-origin policy is not applied."),
        );
    }
    if !params.in_query.is_empty() {
        let names: Vec<&str> = params.in_query.iter().map(String::as_str).collect();
        return Err(ApiError::must_post_params(&names));
    }
    if !ctx.session.can_set_user() {
        return finish_login(
            ctx,
            aborted(
                "Cannot log in when using MediaWiki\\Session\\BotPasswordSessionProvider sessions.",
            ),
        );
    }
    let Some(token) = params.token else {
        ctx.output.warn_deprecated(
            LOGIN.path,
            "action=login&!lgtoken",
            Message::new(
                "apiwarn-deprecation-login-token",
                vec![],
                "Fetching a token via <kbd>action=login</kbd> is deprecated. Use <kbd>action=query&meta=tokens&type=login</kbd> instead.".into(),
            ),
        );
        let token = ctx.session.token(TokenType::Login, false, ctx.now);
        let mut result = Map::new();
        result.insert("result".into(), "NeedToken".into());
        result.insert("token".into(), token.into());
        return finish_login(ctx, result);
    };
    if ctx.session.login_secret_was_new() {
        let reason = Message::new(
            "authpage-cannot-login-continue",
            vec![],
            "Unable to continue login. Your session most likely timed out.".into(),
        );
        let result = failed(ctx, "sessionlost", &reason);
        return finish_login(ctx, result);
    }
    if !ctx.session.token_matches(TokenType::Login, false, &token) {
        let mut result = Map::new();
        result.insert("result".into(), "WrongToken".into());
        return finish_login(ctx, result);
    }

    // A failed bot-password attempt falls through to a main-account login;
    // a throttled one does not.
    if let Some((bot_login, bot_password)) =
        auth::bot_password_login(&params.name, &params.password)
    {
        let outcome = ctx
            .app
            .accounts
            .verify_bot_login(&bot_login, &bot_password, ctx.client_ip, ctx.now)
            .await?;
        match outcome {
            BotLoginOutcome::Success(user, bot) => {
                ctx.session.log_in_with_bot_password(user.id, &bot);
                return finish_login(ctx, success(&user));
            }
            BotLoginOutcome::Throttled(wait) => {
                let result = failed(ctx, "login-throttled", &login_throttled(wait));
                return finish_login(ctx, result);
            }
            BotLoginOutcome::WrongCredentials => {}
        }
    }
    let result = match verify_main(ctx, &params.name, &params.password).await? {
        Ok(user) => {
            ctx.session.log_in(user.id);
            ctx.output.warn_deprecated(
                LOGIN.path,
                "main-account-login",
                Message::new(
                    "apiwarn-deprecation-login-botpw",
                    vec![],
                    "Main-account login via <kbd>action=login</kbd> is deprecated and may stop working without warning. To continue login with <kbd>action=login</kbd>, see [[Special:BotPasswords]]. To safely continue using main-account login, see <kbd>action=clientlogin</kbd>.".into(),
                ),
            );
            success(&user)
        }
        Err((code, reason)) => failed(ctx, code, &reason),
    };
    finish_login(ctx, result)
}

/// Checks a main-account password; the error is the reason code and text.
async fn verify_main(
    ctx: &Ctx<'_>,
    name: &str,
    password: &str,
) -> Result<Result<auth::User, (&'static str, Message)>, ApiError> {
    if name.trim().is_empty() {
        return Ok(Err((
            "noname",
            Message::new(
                "noname",
                vec![],
                "You have not specified a valid username.".into(),
            ),
        )));
    }
    if password.is_empty() {
        return Ok(Err((
            "wrongpasswordempty",
            Message::new(
                "wrongpasswordempty",
                vec![],
                "Password entered was blank.\nPlease try again.".into(),
            ),
        )));
    }
    let outcome = ctx
        .app
        .accounts
        .verify_main_login(name, password, ctx.client_ip, ctx.now)
        .await?;
    Ok(match outcome {
        LoginOutcome::Success(user) => Ok(user),
        LoginOutcome::WrongCredentials => Err(("wrongpassword", wrong_password())),
        LoginOutcome::Throttled(wait) => Err(("login-throttled", login_throttled(wait))),
    })
}

/// `$wgPasswordAttemptThrottle` reached: wait `seconds`.
fn login_throttled(seconds: i64) -> Message {
    let wait = auth::throttle::format_duration(seconds);
    Message::new(
        "login-throttled",
        vec![serde_json::json!({ "duration": seconds })],
        format!(
            "You have made too many recent login attempts. Please wait {wait} before trying again."
        ),
    )
}

fn wrong_password() -> Message {
    Message::new(
        "wrongpassword",
        vec![],
        "Incorrect username or password entered.\nPlease try again.".into(),
    )
}

fn success(user: &auth::User) -> Map<String, Value> {
    let mut result = Map::new();
    result.insert("result".into(), "Success".into());
    result.insert("lguserid".into(), user.id.into());
    result.insert("lgusername".into(), user.name.clone().into());
    result
}

fn aborted(reason: &str) -> Map<String, Value> {
    let mut result = Map::new();
    result.insert("result".into(), "Aborted".into());
    result.insert("reason".into(), reason.into());
    result
}

/// `Failed` with the reason as text (bc) or as a message object.
fn failed(ctx: &Ctx<'_>, code: &str, reason: &Message) -> Map<String, Value> {
    let mut result = Map::new();
    result.insert("result".into(), "Failed".into());
    result.insert("reason".into(), ctx.output.format_message(code, reason));
    result
}

fn finish_login(ctx: &mut Ctx<'_>, result: Map<String, Value>) -> Result<(), ApiError> {
    ctx.output.add("login", Value::Object(result));
    Ok(())
}

pub struct ClientLoginParams {
    username: String,
    password: String,
    messageformat: &'static str,
}

impl ClientLoginParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<ClientLoginParams, ApiError> {
        let p = |name| CLIENTLOGIN.param(name);
        reader.strings(p("requests"))?;
        let messageformat = reader.choice(p("messageformat"))?.unwrap_or("wikitext");
        reader.flag(p("mergerequestfields"))?;
        reader.flag(p("preservestate"))?;
        let returnurl = reader.string(p("returnurl"))?;
        let continuing = reader.flag(p("continue"))?;
        if returnurl.is_none() && !continuing {
            return Err(ApiError::new(
                "missingparam",
                Message::new(
                    "apierror-missingparam-one-of",
                    vec!["loginreturnurl".into(), "logincontinue".into()],
                    "One of the parameters <var>loginreturnurl</var> and <var>logincontinue</var> is required.".into(),
                ),
            ));
        }
        // AuthManager's fields carry no prefix.
        let mut fields = reader.unprefixed();
        let username = fields.string(&CLIENTLOGIN_FIELDS[0])?.unwrap_or_default();
        let password = fields.string(&CLIENTLOGIN_FIELDS[1])?.unwrap_or_default();
        fields.flag(&CLIENTLOGIN_FIELDS[2])?;
        Ok(ClientLoginParams {
            username,
            password,
            messageformat,
        })
    }
}

pub async fn client_login(params: ClientLoginParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let mut result = Map::new();
    let outcome = if !ctx.session.can_set_user() {
        Err((
            "apierror-botpasswordsessionprovider",
            Message::new(
                "authmanager-authn-not-in-progress",
                vec![],
                "Cannot log in when using MediaWiki\\Session\\BotPasswordSessionProvider sessions."
                    .into(),
            ),
        ))
    } else {
        verify_main(ctx, &params.username, &params.password).await?
    };
    match outcome {
        Ok(user) => {
            ctx.session.log_in(user.id);
            result.insert("status".into(), "PASS".into());
            result.insert("username".into(), user.name.into());
        }
        Err((code, message)) => {
            result.insert("status".into(), "FAIL".into());
            let text = match params.messageformat {
                "raw" => serde_json::json!({"key": message.key, "params": message.params}),
                "none" => Value::Null,
                _ => message.text.clone().into(),
            };
            if !text.is_null() {
                result.insert("message".into(), text);
            }
            result.insert("messagecode".into(), code.into());
            ctx.output.set_flag(&mut result, "canpreservestate", false);
        }
    }
    ctx.output.add("clientlogin", Value::Object(result));
    Ok(())
}

pub fn logout(ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    // The answer is an empty object: there is nothing to add.
    ctx.session.log_out();
    Ok(())
}
