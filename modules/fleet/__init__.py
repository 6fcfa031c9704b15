from modules.fleet.fleet import Ec2Fleet, Ec2FleetProps

__all__ = ["Ec2Fleet", "Ec2FleetProps"]
