#!/usr/bin/env python3
"""Entry point for `cdk synth` / `cdk deploy`: see README.md."""

from web_service import create_web_service_app

create_web_service_app().synth()
