// The studio's page script: written in the next commit.
