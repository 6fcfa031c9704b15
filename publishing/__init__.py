"""What the project publishes besides stacks: Terraform modules for HCL users, diagrams, blueprint docs."""
