from modules.load_balancer.alb import (
    CertificateSpec,
    ListenerRoute,
    LoadBalancedTarget,
    PublicLoadBalancer,
    PublicLoadBalancerProps,
)
from modules.load_balancer.origin_verify import ORIGIN_VERIFY_HEADER, OriginSecret, OriginSecretProps
from modules.load_balancer.stickiness import TargetStickiness

__all__ = ["ORIGIN_VERIFY_HEADER", "CertificateSpec", "ListenerRoute", "LoadBalancedTarget", "OriginSecret",
           "OriginSecretProps", "PublicLoadBalancer", "PublicLoadBalancerProps", "TargetStickiness"]
