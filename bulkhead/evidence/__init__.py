"""Evidence packs: what an auditor takes away, and the standalone verifier that checks one offline."""
