"""gRPC stubs generated from proto/ by python/generate-stubs.sh; do not edit."""
