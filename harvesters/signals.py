"""What a repository's root listing says about its reuse: a contributing guide, tests or CI.

Read the same way from GitHub's contents listing and GitLab's tree, so the readiness
score means the same on both forges.
"""

from __future__ import annotations

# Root entries that show tests or CI (a .github folder alone may only hold issue templates).
TEST_DIRS = {"test", "tests", "spec", "specs", "__tests__", "testing", "cypress", "e2e", ".circleci"}
TEST_OR_CI_FILES = {
    "pytest.ini",
    "tox.ini",
    "phpunit.xml",
    "phpunit.xml.dist",
    "jest.config.js",
    "jest.config.ts",
    "karma.conf.js",
    "vitest.config.ts",
    "playwright.config.ts",
    ".travis.yml",
    ".gitlab-ci.yml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    "jenkinsfile",
    ".rspec",
    "codecov.yml",
    ".codecov.yml",
}
