from .organisations import Membership, Region, Role, School, SchoolType

__all__ = ["Membership", "Region", "Role", "School", "SchoolType"]
