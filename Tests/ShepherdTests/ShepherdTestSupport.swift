import Shepherd
