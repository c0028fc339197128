use std::path::{Path, PathBuf};

/// Expands the given paths into a sorted list of regular files (directories recursively).
/// Problems such as unreadable directories are returned beside the files, not fatal.
pub fn walk_paths(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for root in paths {
        if root.is_file() {
            files.push(root.clone());
            continue;
        }
        if !root.exists() {
            problems.push(format!("{}: no such file or directory", root.display()));
            continue;
        }
        for entry in walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
                Ok(_) => {}
                Err(e) => problems.push(format!("{}: {e}", display(e.path(), root))),
            }
        }
    }
    (files, problems)
}

fn display(p: Option<&Path>, root: &Path) -> String {
    p.unwrap_or(root).display().to_string()
}
