from modules.load_balancer.alb import (
    CertificateSpec,
    ListenerRoute,
    LoadBalancedTarget,
    PublicLoadBalancer,
    PublicLoadBalancerProps,
)

__all__ = ["CertificateSpec", "ListenerRoute", "LoadBalancedTarget", "PublicLoadBalancer", "PublicLoadBalancerProps"]
