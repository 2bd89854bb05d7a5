"""CDK constructs, one capability each; `infra/stacks/` composes them from `infra/fabric.py`."""
