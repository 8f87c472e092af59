//! Many gits at once, as parallel submodule fetches make them: 32 concurrent
//! `git credential approve`, `fill` and `reject` on each real keychain. No entry may be lost,
//! duplicated or corrupted; the final state is the one the operations allow.

use crate::rig::{self, World, keychains};

const PARALLEL: usize = 32;

fn cred(user: &str, password: &str) -> String {
    format!("protocol=https\nhost=github.com\nusername={user}\npassword={password}\n")
}

/// Runs `ops` (git credential operation, input) all at once; returns each output.
fn at_once(w: &World, ops: &[(&str, String)]) -> Vec<rig::Output> {
    std::thread::scope(|s| {
        let handles: Vec<_> = ops
            .iter()
            .map(|(op, input)| s.spawn(move || w.credential(op, input)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn expected(users: impl IntoIterator<Item = usize>) -> Vec<String> {
    let mut all: Vec<String> = users
        .into_iter()
        .map(|i| format!("https://user{i}@github.com ghp_user{i}|"))
        .collect();
    all.sort();
    all
}

#[test]
fn thirty_two_parallel_approves_fills_and_rejects_leave_exactly_what_they_allow() {
    for kc in keychains() {
        let w = World::new(kc);
        // 16 accounts, each approved twice at the same moment.
        let approves: Vec<_> = (0..PARALLEL)
            .map(|i| {
                (
                    "approve",
                    cred(&format!("user{}", i % 16), &format!("ghp_user{}", i % 16)),
                )
            })
            .collect();
        for out in at_once(&w, &approves) {
            assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{}", w.name());
        }
        assert_eq!(
            w.stored_tokens(),
            expected(0..16),
            "{}: after parallel approves",
            w.name()
        );

        // Fills by user, all at once, each gets its own token.
        let fills: Vec<_> = (0..PARALLEL)
            .map(|i| {
                (
                    "fill",
                    format!("protocol=https\nhost=github.com\nusername=user{}\n", i % 16),
                )
            })
            .collect();
        for (i, out) in at_once(&w, &fills).into_iter().enumerate() {
            assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
            assert!(
                out.stdout
                    .contains(&format!("password=ghp_user{}\n", i % 16)),
                "{}",
                out.stdout
            );
        }

        // Rejects of user0..7, approves of user16..23 and fills of user8..15, mixed.
        let mut mixed: Vec<(&str, String)> = Vec::new();
        for i in 0..8 {
            mixed.push(("reject", cred(&format!("user{i}"), &format!("ghp_user{i}"))));
            mixed.push((
                "approve",
                cred(&format!("user{}", 16 + i), &format!("ghp_user{}", 16 + i)),
            ));
            mixed.push((
                "fill",
                format!("protocol=https\nhost=github.com\nusername=user{}\n", 8 + i),
            ));
            mixed.push((
                "fill",
                format!("protocol=https\nhost=github.com\nusername=user{}\n", 8 + i),
            ));
        }
        assert_eq!(mixed.len(), PARALLEL);
        for ((op, _), out) in mixed.iter().zip(at_once(&w, &mixed)) {
            assert_eq!(out.code, 0, "{} {op}: {}", w.name(), out.stderr);
            if *op == "fill" {
                assert!(out.stdout.contains("password=ghp_user"), "{}", out.stdout);
            }
        }
        assert_eq!(
            w.stored_tokens(),
            expected(8..24),
            "{}: after the mixed round",
            w.name()
        );
    }
}

#[test]
fn parallel_approves_of_one_account_with_different_tokens_leave_one_whole_entry() {
    for kc in keychains() {
        let w = World::new(kc);
        let racers: Vec<_> = (0..PARALLEL)
            .map(|i| ("approve", cred("racer", &format!("ghp_racer{i:02}"))))
            .collect();
        for out in at_once(&w, &racers) {
            assert_eq!(out.code, 0, "{}", out.stderr);
        }
        let stored = w.stored_tokens();
        assert_eq!(stored.len(), 1, "{}: {stored:?}", w.name());
        let token = stored[0].strip_prefix("https://racer@github.com ").unwrap();
        let n: usize = token
            .trim_start_matches("ghp_racer")
            .trim_end_matches('|')
            .parse()
            .unwrap();
        assert!(n < PARALLEL, "{token}");
        let out = w.credential("fill", "protocol=https\nhost=github.com\n");
        assert!(
            out.stdout
                .contains(&format!("password={}\n", token.trim_end_matches('|')))
        );
    }
}
