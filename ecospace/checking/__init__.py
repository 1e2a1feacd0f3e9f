"""The checking stage: a plan's figures compared with what the layers measure."""
