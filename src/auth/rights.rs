//! Groups, rights and bot-password grants.
//!
//! A user's rights are the union of the rights of their groups (explicit
//! groups plus the implicit `*`, `user`, `autoconfirmed`), minus what any of
//! their groups revokes. A bot-password session further keeps only the
//! rights its grants allow.

use crate::config::GroupPermissions;

/// Groups every registered account is in without being added to them.
/// (Every account is autoconfirmed: no age or edit-count threshold.)
pub const IMPLICIT_USER_GROUPS: [&str; 3] = ["*", "user", "autoconfirmed"];
/// The only group of an anonymous visitor.
pub const ANONYMOUS_GROUPS: [&str; 1] = ["*"];

/// The rights policy of the wiki, from the configuration.
#[derive(Debug, Clone)]
pub struct RightsPolicy {
    granted: GroupPermissions,
    revoked: GroupPermissions,
}

impl RightsPolicy {
    pub fn new(granted: GroupPermissions, revoked: GroupPermissions) -> RightsPolicy {
        RightsPolicy { granted, revoked }
    }

    /// Groups that can be given to an account: every configured group but
    /// the implicit ones.
    pub fn assignable_groups(&self) -> impl Iterator<Item = &str> {
        self.granted
            .keys()
            .chain(self.revoked.keys())
            .map(String::as_str)
            .filter(|g| !IMPLICIT_USER_GROUPS.contains(g))
    }

    pub fn is_assignable(&self, group: &str) -> bool {
        self.assignable_groups().any(|g| g == group)
    }

    /// The groups whose members get `right` (unless another group revokes it).
    pub fn groups_with_right(&self, right: &str) -> Vec<String> {
        self.granted
            .iter()
            .filter(|(_, rights)| rights.get(right).copied().unwrap_or(false))
            .map(|(group, _)| group.clone())
            .collect()
    }

    /// The rights of members of `groups`, in group order, without repeats.
    pub fn rights_of(&self, groups: &[String]) -> Vec<String> {
        let mut rights: Vec<String> = Vec::new();
        for group in groups {
            for (right, &on) in self.granted.get(group).into_iter().flatten() {
                if on && !rights.contains(right) {
                    rights.push(right.clone());
                }
            }
        }
        let revoked = |right: &String| {
            groups.iter().any(|g| {
                self.revoked
                    .get(g)
                    .and_then(|r| r.get(right))
                    .copied()
                    .unwrap_or(false)
            })
        };
        rights.retain(|r| !revoked(r));
        rights
    }
}

/// MediaWiki 1.39's grants (`$wgGrantPermissions`): what a bot password
/// with that grant may do. `basic` is always included.
#[rustfmt::skip]
pub const GRANTS: &[(&str, &[&str])] = &[
    (
        "basic",
        &[
            "autocreateaccount", "autoconfirmed", "autopatrol", "editsemiprotected",
            "ipblock-exempt", "nominornewtalk", "patrolmarks", "purge", "read",
            "unwatchedpages", "writeapi",
        ],
    ),
    ("highvolume", &["apihighlimits", "bot", "noratelimit", "markbotedits"]),
    ("import", &["import", "importupload"]),
    (
        "editpage",
        &["edit", "minoredit", "applychangetags", "changetags", "editcontentmodel"],
    ),
    (
        "editprotected",
        &["edit", "minoredit", "applychangetags", "changetags", "editcontentmodel", "editprotected"],
    ),
    ("editmycssjs", &["edit", "minoredit", "applychangetags", "changetags", "editcontentmodel", "editmyusercss", "editmyuserjson", "editmyuserjs"]),
    ("editmyoptions", &["editmyoptions", "editmyuserjson"]),
    ("editinterface", &["edit", "minoredit", "applychangetags", "changetags", "editcontentmodel", "editinterface", "edituserjson", "editsitejson"]),
    ("editsiteconfig", &["edit", "minoredit", "applychangetags", "changetags", "editcontentmodel", "editinterface", "edituserjson", "editsitejson", "editusercss", "edituserjs", "editsitecss", "editsitejs"]),
    (
        "createeditmovepage",
        &["edit", "minoredit", "applychangetags", "changetags", "editcontentmodel", "createpage", "createtalk", "delete-redirect", "move", "move-rootuserpages", "move-subpages", "move-categorypages", "suppressredirect"],
    ),
    ("uploadfile", &["upload", "reupload-own"]),
    (
        "uploadeditmovefile",
        &["upload", "reupload-own", "reupload", "reupload-shared", "upload_by_url", "movefile", "suppressredirect"],
    ),
    ("patrol", &["patrol"]),
    ("rollback", &["rollback"]),
    ("blockusers", &["block", "blockemail"]),
    ("viewdeleted", &["browsearchive", "deletedhistory", "deletedtext"]),
    ("viewrestrictedlogs", &["suppressionlog"]),
    ("delete", &["browsearchive", "deletedhistory", "deletedtext", "delete", "bigdelete", "deletelogentry", "deleterevision", "undelete"]),
    ("oversight", &["suppressrevision", "viewsuppressed", "hideuser"]),
    ("protect", &["edit", "minoredit", "applychangetags", "changetags", "editcontentmodel", "editprotected", "protect"]),
    ("viewmywatchlist", &["viewmywatchlist"]),
    ("editmywatchlist", &["editmywatchlist"]),
    ("sendemail", &["sendemail"]),
    ("createaccount", &["createaccount"]),
    ("privateinfo", &["viewmyprivateinfo"]),
    ("mergehistory", &["mergehistory"]),
];

/// The grants a bot password may be given: all but `basic` (the first of
/// [`GRANTS`]), which every bot password has.
pub const GRANT_NAMES: [&str; GRANTS.len() - 1] = {
    let mut names = [""; GRANTS.len() - 1];
    let mut i = 1;
    while i < GRANTS.len() {
        names[i - 1] = GRANTS[i].0;
        i += 1;
    }
    names
};

/// True when `grant` is one of MediaWiki's grant names.
pub fn is_grant(grant: &str) -> bool {
    GRANTS.iter().any(|(name, _)| *name == grant)
}

/// The grants a bot password needs one of to use `right`.
pub fn grants_with_right(right: &str) -> Vec<&'static str> {
    GRANTS
        .iter()
        .filter(|(_, granted)| granted.contains(&right))
        .map(|(name, _)| *name)
        .collect()
}

/// Keeps only the rights that `grants` (plus the implicit `basic`) allow.
pub fn restrict_to_grants(rights: Vec<String>, grants: &[String]) -> Vec<String> {
    let allowed = |right: &str| {
        GRANTS.iter().any(|(name, granted)| {
            (*name == "basic" || grants.iter().any(|g| g == name)) && granted.contains(&right)
        })
    };
    rights.into_iter().filter(|r| allowed(r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn policy(overrides: &str) -> RightsPolicy {
        let config = Config::from_toml(&[overrides]).expect("config loads");
        RightsPolicy::new(config.group_permissions, config.revoke_permissions)
    }

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn anonymous_users_cannot_upload_but_users_can() {
        let policy = policy("");
        assert!(
            !policy
                .rights_of(&groups(&ANONYMOUS_GROUPS))
                .contains(&"upload".into())
        );
        let user = policy.rights_of(&groups(&IMPLICIT_USER_GROUPS));
        assert!(user.contains(&"upload".into()) && user.contains(&"reupload".into()));
        assert!(!user.contains(&"upload_by_url".into()) && !user.contains(&"delete".into()));
    }

    #[test]
    fn a_revoking_group_wins_over_granting_groups() {
        let policy = policy(
            "[group_permissions.user]\nupload_by_url = true\n[revoke_permissions.nourl]\nupload_by_url = true\n",
        );
        assert!(
            policy
                .rights_of(&groups(&["user"]))
                .contains(&"upload_by_url".into())
        );
        assert!(
            !policy
                .rights_of(&groups(&["nourl", "user"]))
                .contains(&"upload_by_url".into())
        );
    }

    #[test]
    fn each_upload_right_names_the_grants_that_give_it() {
        assert_eq!(
            grants_with_right("upload"),
            ["uploadfile", "uploadeditmovefile"]
        );
        assert_eq!(grants_with_right("upload_by_url"), ["uploadeditmovefile"]);
        assert!(grants_with_right("no-such-right").is_empty());
    }

    #[test]
    fn bot_password_grants_narrow_the_rights() {
        let rights = groups(&[
            "read",
            "edit",
            "upload",
            "reupload",
            "upload_by_url",
            "delete",
        ]);
        let narrowed = restrict_to_grants(rights, &groups(&["uploadfile"]));
        assert_eq!(narrowed, groups(&["read", "upload"]));
    }
}
