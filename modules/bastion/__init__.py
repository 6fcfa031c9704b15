from modules.bastion.bastion import Bastion, BastionProps

__all__ = ["Bastion", "BastionProps"]
